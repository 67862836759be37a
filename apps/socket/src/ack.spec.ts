import { Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '@chat/contracts';
import { toAckError } from './ack.js';

describe('toAckError', () => {
  const logger = new Logger('test');
  const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });

  it('keeps our codes, says UNAVAILABLE for a dependency that is down, INTERNAL for the rest', () => {
    expect(toAckError(new AppError(ErrorCode.FORBIDDEN, 'no'), logger).error.code).toBe(ErrorCode.FORBIDDEN);
    expect(toAckError(named('MongoServerSelectionError'), logger).error.code).toBe(ErrorCode.UNAVAILABLE);
    expect(
      toAckError(new Error("Stream isn't writeable and enableOfflineQueue options is false"), logger).error
        .code,
    ).toBe(ErrorCode.UNAVAILABLE);
    const internal = toAckError(new Error('a bug with a secret in it'), logger);
    expect(internal).toEqual({ ok: false, error: { code: ErrorCode.INTERNAL, message: 'internal error' } });
  });
});
