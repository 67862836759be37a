import { Test, type TestingModule } from '@nestjs/testing';
import { ConfigModule, loadConfig, type AppConfig } from '@chat/config';
import { DatabaseModule, MessagesRepository } from '@chat/database';
import { MessageAppender } from '@chat/message-log';
import { ObservabilityModule } from '@chat/observability';
import { createRedisClient, type RedisClient } from '@chat/redis';
import { waitUntil } from '../../../scripts/harness.mjs';

export interface MessageLogFixture {
  database: TestingModule;
  messages: MessagesRepository;
  redis: RedisClient;
  appender: MessageAppender;
  close(): Promise<void>;
}

/**
 * The message log's tests' common ground, against real Redis and MongoDB: the database module,
 * a Redis client that is ready (the clients do not queue commands while connecting), and an
 * appender on them.
 */
export async function messageLogFixture(): Promise<MessageLogFixture> {
  const database = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(loadConfig()), ObservabilityModule.forApp('api'), DatabaseModule],
  }).compile();
  await database.init();
  const messages = database.get(MessagesRepository);
  const redis = createRedisClient({ REDIS_URL: process.env.REDIS_URL!, redisClusterNodes: null }, 'test');
  await waitUntil(() => redis.status === 'ready', { what: 'Redis' });
  const appender = new MessageAppender(redis, { IDEMPOTENCY_TTL_SEC: 60 } as AppConfig, messages);
  return {
    database,
    messages,
    redis,
    appender,
    close: async () => {
      await Promise.all([redis.quit(), database.close()]);
    },
  };
}
