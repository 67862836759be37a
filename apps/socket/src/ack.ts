import type { Logger } from '@nestjs/common';
import { AppError, ErrorCode, type AckError } from '@chat/contracts';

/** Every socket handler's failure ack: our errors keep their code, anything else is INTERNAL and logged. */
export function toAckError(error: unknown, logger: Logger): AckError {
  if (error instanceof AppError) return { ok: false, error: { code: error.code, message: error.message } };
  logger.error({ err: error }, 'unexpected error in socket handler');
  return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'internal error' } };
}
