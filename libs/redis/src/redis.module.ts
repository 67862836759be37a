import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { HealthRegistry } from '@chat/observability';
import { ChatStreamRepository } from './chat-stream.repository.js';
import { MembershipCache } from './membership-cache.js';
import { REDIS } from './redis.token.js';

/**
 * Options that make a Redis outage visible at once instead of queueing commands in memory:
 * a send must fail with STORE_FAILED, never hang or be acked late. The client reconnects by
 * itself when Redis returns.
 */
export function redisClientOptions(name: string) {
  return {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5000,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  };
}

export function createRedisClient(url: string, name: string): Redis {
  return new Redis(url, redisClientOptions(name));
}

/** Waits until the client is ready, or gives up after timeoutMs without throwing. */
export async function waitForReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}

/** Owns the app's Redis connection: one client, one health check, closed on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createRedisClient(config.REDIS_URL, 'chat'),
    },
    ChatStreamRepository,
    MembershipCache,
  ],
  exports: [REDIS, ChatStreamRepository, MembershipCache],
})
export class RedisModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
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
