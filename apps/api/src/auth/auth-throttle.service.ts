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
 * one atomic INCR+EXPIRE per check): login and refresh per client IP, failed logins per account
 * (per address, and from anywhere with a higher ceiling, against a guesser spreading over many
 * IPs), register per IP per hour (each account is another send quota). While Redis is down each instance counts in its own memory instead, so auth neither
 * opens up nor fails.
 */
@Injectable()
export class AuthThrottle {
  private readonly logger = new Logger(AuthThrottle.name);
  private readonly perIp: RateLimiterAbstract | null;
  /** Failed logins for one account from one address. */
  private readonly failuresPerAccountAndIp: RateLimiterAbstract | null;
  /** Failed logins for one account from anywhere: a far higher ceiling. */
  private readonly failuresPerAccount: RateLimiterAbstract | null;
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
    this.failuresPerAccountAndIp = limiter(
      'throttle:login-fail',
      config.AUTH_RATE_LIMIT_PER_USERNAME,
      window,
    );
    this.failuresPerAccount = limiter(
      'throttle:login-fail-all',
      config.AUTH_RATE_LIMIT_PER_USERNAME_ALL,
      window,
    );
    this.registerPerIp = limiter('throttle:register-ip', config.REGISTER_RATE_LIMIT_PER_IP_PER_HOUR, 3600);
  }

  /**
   * Before a login: the address's attempts, then the account's failures. Only failures count
   * against an account, and first per address, so a guesser cannot lock its owner out from
   * elsewhere unless it fails AUTH_RATE_LIMIT_PER_USERNAME_ALL times a window from many addresses.
   */
  async login(ip: string, username: string): Promise<void> {
    await this.consume(this.perIp, ip, 'too many attempts from this address');
    const account = username.toLowerCase();
    await this.refuseIfSpent(
      this.failuresPerAccountAndIp,
      `${account}|${ip}`,
      'too many failed logins for this account',
    );
    await this.refuseIfSpent(this.failuresPerAccount, account, 'too many failed logins for this account');
  }

  /** A wrong password: it counts against the account, from this address and from anywhere. */
  async loginFailed(ip: string, username: string): Promise<void> {
    const account = username.toLowerCase();
    await Promise.all([
      this.failuresPerAccountAndIp?.penalty(`${account}|${ip}`).catch(() => undefined),
      this.failuresPerAccount?.penalty(account).catch(() => undefined),
    ]);
  }

  refresh(ip: string): Promise<void> {
    return this.consume(this.perIp, ip, 'too many attempts from this address');
  }

  register(ip: string): Promise<void> {
    return this.consume(this.registerPerIp, ip, 'too many accounts from this address');
  }

  private async refuseIfSpent(
    limiter: RateLimiterAbstract | null,
    key: string,
    message: string,
  ): Promise<void> {
    if (!limiter) return;
    const state = await limiter.get(key).catch(() => null);
    if (state && state.consumedPoints >= limiter.points)
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        `${message}; retry later`,
        Math.ceil(state.msBeforeNext / 1000),
      );
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
