import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode } from '@chat/contracts';
import { REDIS, type RedisClient } from '@chat/redis';

/**
 * Limits on the auth routes, counted in Redis so every api instance shares them (fixed windows,
 * one atomic INCR+EXPIRE per check): login and refresh per client IP, login per username (a
 * guesser spreading over many IPs), register per IP per hour (each account is another send
 * quota). While Redis is down each instance counts in its own memory instead, so auth neither
 * opens up nor fails.
 */
@Injectable()
export class AuthThrottle {
  private readonly logger = new Logger(AuthThrottle.name);
  private readonly perIp: RateLimiterAbstract | null;
  private readonly perUsername: RateLimiterAbstract | null;
  private readonly registerPerIp: RateLimiterAbstract | null;

  constructor(@Inject(REDIS) redis: RedisClient, @Inject(APP_CONFIG) config: AppConfig) {
    const limiter = (keyPrefix: string, points: number, duration: number) =>
      points === 0
        ? null
        : new RateLimiterRedis({
            storeClient: redis,
            keyPrefix,
            points,
            duration,
            rejectIfRedisNotReady: true,
            insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
          });
    const window = config.AUTH_RATE_LIMIT_WINDOW_SEC;
    this.perIp = limiter('throttle:auth-ip', config.AUTH_RATE_LIMIT_PER_IP, window);
    this.perUsername = limiter('throttle:login-user', config.AUTH_RATE_LIMIT_PER_USERNAME, window);
    this.registerPerIp = limiter('throttle:register-ip', config.REGISTER_RATE_LIMIT_PER_IP_PER_HOUR, 3600);
  }

  async login(ip: string, username: string): Promise<void> {
    await this.consume(this.perIp, ip, 'too many attempts from this address');
    await this.consume(this.perUsername, username.toLowerCase(), 'too many attempts for this account');
  }

  refresh(ip: string): Promise<void> {
    return this.consume(this.perIp, ip, 'too many attempts from this address');
  }

  register(ip: string): Promise<void> {
    return this.consume(this.registerPerIp, ip, 'too many accounts from this address');
  }

  private async consume(limiter: RateLimiterAbstract | null, key: string, message: string): Promise<void> {
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes)
        throw new AppError(
          ErrorCode.RATE_LIMITED,
          `${message}; retry later`,
          Math.ceil(rejection.msBeforeNext / 1000),
        );
      // Both stores failed: let the request through rather than lock everyone out.
      this.logger.warn(`auth throttle unavailable: ${(rejection as Error).message}`);
    }
  }
}
