import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { HealthRegistry } from '@chat/observability';
import { LiveStatsRepository } from './live-stats.repository.js';
import { MembershipCache } from './membership-cache.js';
import { PresenceRepository } from './presence.repository.js';
import { createRedisClient, waitForReady, type RedisClient } from './redis-client.js';
import { REDIS } from './redis.token.js';

/** Owns the app's Redis connection: one client, one health check, closed on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createRedisClient(config, 'chat'),
    },
    LiveStatsRepository,
    MembershipCache,
    PresenceRepository,
  ],
  exports: [REDIS, LiveStatsRepository, MembershipCache, PresenceRepository],
})
export class RedisModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.register('redis', () => this.redis.ping());
    let lastError = '';
    this.redis.on('error', (error: Error) => {
      if (error.message !== lastError) this.logger.warn(`redis: ${error.message}`);
      lastError = error.message;
    });
    this.redis.on('ready', () => {
      lastError = '';
      this.logger.log('redis ready');
    });
    if (!(await waitForReady(this.redis, 10_000))) {
      this.logger.error('redis not reachable yet; sends fail with STORE_FAILED until it is');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
