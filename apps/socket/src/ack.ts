import type { Logger } from '@nestjs/common';
import { AppError, ErrorCode, type AckError } from '@chat/contracts';
import { isDependencyUnavailable } from '@chat/observability';

/**
 * Every socket handler's failure ack: our errors keep their code, a dependency that is down
 * (MongoDB, Redis) is UNAVAILABLE (retry later), anything else is INTERNAL and logged.
 */
export function toAckError(error: unknown, logger: Logger): AckError {
  if (error instanceof AppError) return { ok: false, error: { code: error.code, message: error.message } };
  if (isDependencyUnavailable(error))
    return {
      ok: false,
      error: { code: ErrorCode.UNAVAILABLE, message: 'a dependency is temporarily unavailable; retry later' },
    };
  logger.error({ err: error }, 'unexpected error in socket handler');
  return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'internal error' } };
}
