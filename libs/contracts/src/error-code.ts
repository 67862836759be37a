/** Every error code a client can see. Each transport maps them its own way. */
export enum ErrorCode {
  VALIDATION = 'VALIDATION',
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  FILE_TYPE_REJECTED = 'FILE_TYPE_REJECTED',
  FILE_UPLOAD_FAILED = 'FILE_UPLOAD_FAILED',
  /** Redis refused or was unreachable before the send was attempted: nothing was stored. */
  STORE_FAILED = 'STORE_FAILED',
  /**
   * Redis did not answer in time after the send was handed to it: it may or may not be stored.
   * Retrying with the same clientMsgId is safe (idempotency gives the original back).
   */
  STORE_UNKNOWN = 'STORE_UNKNOWN',
  RATE_LIMITED = 'RATE_LIMITED',
  /** A cap on rooms joined (per connection, or per user on an instance) is reached: leave one first. */
  TOO_MANY_ROOMS = 'TOO_MANY_ROOMS',
  /** A dependency (the database) is unreachable: nothing was changed, retry later. */
  UNAVAILABLE = 'UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

/**
 * An expected failure with a client-facing code and message. Never carries a stack to clients.
 * `retryAfterSec` (RATE_LIMITED, UNAVAILABLE) tells when trying again may succeed.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSec?: number,
  ) {
    super(message);
  }
}

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCode.VALIDATION]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.FILE_TOO_LARGE]: 413,
  [ErrorCode.FILE_TYPE_REJECTED]: 415,
  [ErrorCode.FILE_UPLOAD_FAILED]: 502,
  [ErrorCode.STORE_FAILED]: 503,
  [ErrorCode.STORE_UNKNOWN]: 503,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.TOO_MANY_ROOMS]: 429,
  [ErrorCode.UNAVAILABLE]: 503,
  [ErrorCode.INTERNAL]: 500,
};
