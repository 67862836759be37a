export { LiveStatsRepository } from './live-stats.repository.js';
export { MembershipCache, type MembershipSource } from './membership-cache.js';
export {
  PresenceRepository,
  type ConnectionEntry,
  type RegisteredConnection,
} from './presence.repository.js';
export { REDIS } from './redis.token.js';
export { RedisModule } from './redis.module.js';
export {
  connectionReady,
  createRedisClient,
  failedBeforeSending,
  redisClientOptions,
  waitForReady,
  type RedisClient,
  type RedisConnectionConfig,
} from './redis-client.js';
export { RedisKeys, STREAM_PARTITIONS, partitionOf } from './redis-keys.js';
