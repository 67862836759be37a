import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { AppError, ErrorCode, HTTP_STATUS_BY_CODE } from '@chat/contracts';

/** Driver errors that mean "the database is not reachable right now", not "this request is bad". */
const UNAVAILABLE_ERRORS =
  /^Mongo(ose)?(ServerSelection|Network|NetworkTimeout|NotConnected|TopologyClosed)Error$/;

/**
 * ioredis' failures while Redis is away: refused at once with the offline queue off, a lost
 * connection, a command timeout, or every cluster node failing. A reply error (a bad command)
 * is none of these.
 */
const REDIS_UNAVAILABLE_NAMES = /^(MaxRetriesPerRequestError|ClusterAllFailedError)$/;
const REDIS_UNAVAILABLE_MESSAGES =
  /enableOfflineQueue options is false|^Connection is closed|^Command timed out|ECONNREFUSED|ETIMEDOUT/;

/** The database or Redis is unreachable right now (503), as opposed to a bug (500). */
export function isDependencyUnavailable(error: unknown): boolean {
  return (
    error instanceof Error &&
    (UNAVAILABLE_ERRORS.test(error.name) ||
      REDIS_UNAVAILABLE_NAMES.test(error.name) ||
      (error.name !== 'ReplyError' && REDIS_UNAVAILABLE_MESSAGES.test(error.message)))
  );
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * Every HTTP error leaves as `{statusCode, message, error}` (the contract's shape). Unexpected
 * errors become a 500 that carries an errorId to find the logged stack; the stack never leaves.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof AppError) {
      const statusCode = HTTP_STATUS_BY_CODE[exception.code];
      if (exception.retryAfterSec !== undefined)
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(exception.retryAfterSec))));
      res
        .status(statusCode)
        .json({ statusCode, message: exception.message, error: REASON[statusCode], code: exception.code });
      return;
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? (body as { message: unknown }).message
          : exception.message;
      res.status(statusCode).json({
        statusCode,
        message: Array.isArray(message) ? message.join('; ') : message,
        error: REASON[statusCode] ?? exception.name,
      });
      return;
    }
    if (isDependencyUnavailable(exception)) {
      this.logger.warn(`dependency unavailable: ${(exception as Error).message}`);
      res.setHeader('Retry-After', '1');
      res.status(503).json({
        statusCode: 503,
        message: 'a dependency is temporarily unavailable; nothing was changed, retry later',
        error: REASON[503],
        code: ErrorCode.UNAVAILABLE,
      });
      return;
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'unhandled error');
    res
      .status(500)
      .json({ statusCode: 500, message: `Internal error (id ${errorId})`, error: REASON[500], errorId });
  }
}
