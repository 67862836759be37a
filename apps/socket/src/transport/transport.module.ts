import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { HealthRegistry } from '@chat/observability';
import { connectionReady, createRedisClient, type RedisClient } from '@chat/redis';

/** DI token of the Redis connection the socket.io adapter reads its stream on. */
export const ADAPTER_REDIS = Symbol('ADAPTER_REDIS');

/**
 * What the socket.io server needs from the app's modules (RedisIoAdapter gets it from here):
 * the adapter's own Redis connection, blocked in XREAD most of the time, so it is checked by its
 * state on /health (not critical: without it presence updates wait, chat messages do not), and
 * closed after the server.
 */
@Global()
@Module({
  providers: [
    {
      provide: ADAPTER_REDIS,
      inject: [APP_CONFIG, HealthRegistry],
      useFactory: (config: AppConfig, health: HealthRegistry): RedisClient => {
        // The adapter reads its stream with XREAD BLOCK on copies of this connection, and stops
        // after the read in hand: that read must not outlive a Redis that is gone (a test's).
        const client = createRedisClient(config, 'socket-adapter', {
          subscriber: true,
          blockingReader: true,
        });
        client.on('error', () => undefined); // it reconnects; /health shows the state
        health.register('redis-adapter', connectionReady(client), { critical: false });
        return client;
      },
    },
  ],
  exports: [ADAPTER_REDIS],
})
export class TransportModule implements OnApplicationShutdown {
  constructor(@Inject(ADAPTER_REDIS) private readonly client: RedisClient) {}

  /** After the socket.io server has closed (Nest closes adapters before this hook). */
  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
