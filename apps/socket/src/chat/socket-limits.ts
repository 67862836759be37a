import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode } from '@chat/contracts';
import { RateLimiter } from './rate-limiter.js';

/**
 * How much one user may ask of this instance: sends and room joins/leaves per second (token
 * buckets), rooms joined per connection, and joins over all the user's connections here. Each
 * over-limit answer is an AppError with its code, so every event reports it the same way.
 */
@Injectable()
export class SocketLimits {
  private readonly sends: RateLimiter;
  private readonly joins: RateLimiter;
  /** Rooms joined by each user over all its connections on this instance. */
  private readonly joinedByUser = new Map<string, number>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.sends = new RateLimiter(config.RATE_LIMIT_PER_SEC, config.RATE_LIMIT_BURST);
    this.joins = new RateLimiter(config.JOIN_RATE_LIMIT_PER_SEC, config.JOIN_RATE_LIMIT_BURST);
  }

  takeSend(userId: string): void {
    if (!this.sends.take(userId))
      throw new AppError(ErrorCode.RATE_LIMITED, 'too many messages; slow down and retry');
  }

  /** room:join and room:leave share one bucket. */
  takeJoin(userId: string): void {
    if (!this.joins.take(userId))
      throw new AppError(ErrorCode.RATE_LIMITED, 'too many joins and leaves; slow down and retry', 1);
  }

  /** Counts one more room joined by a connection that holds `joinedByConnection` already. */
  admitRoom(userId: string, joinedByConnection: number): void {
    if (joinedByConnection >= this.config.MAX_ROOMS_PER_CONNECTION)
      throw new AppError(
        ErrorCode.TOO_MANY_ROOMS,
        `a connection may join at most ${this.config.MAX_ROOMS_PER_CONNECTION} rooms; leave one first`,
      );
    const joined = this.joinedByUser.get(userId) ?? 0;
    if (joined >= this.config.MAX_JOINS_PER_USER)
      throw new AppError(
        ErrorCode.TOO_MANY_ROOMS,
        `your connections here hold ${joined} room joins, the most allowed; leave some first`,
      );
    this.joinedByUser.set(userId, joined + 1);
  }

  releaseRoom(userId: string): void {
    const joined = (this.joinedByUser.get(userId) ?? 1) - 1;
    if (joined > 0) this.joinedByUser.set(userId, joined);
    else this.joinedByUser.delete(userId);
  }
}
