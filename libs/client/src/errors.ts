import type { ErrorCode } from '../../contracts/src/index.js';

/**
 * A failure the client cannot fix by retrying, with the contract's error code: a rejected send
 * (`VALIDATION`, `FORBIDDEN`, `FILE_TOO_LARGE`, …), or `UNAUTHORIZED` when the session is over
 * (the refresh token was refused) and the user has to sign in again.
 */
export class ChatError extends Error {
  override name = 'ChatError';
  constructor(
    readonly code: ErrorCode | string,
    message: string,
  ) {
    super(message);
  }
}
