export {
  ChatStreamRepository,
  type AppendResult,
  type Backlog,
  type StreamEntry,
} from './chat-stream.repository.js';
export { MembershipCache, type MembershipSource } from './membership-cache.js';
export { RedisKeys } from './redis-keys.js';
export { REDIS } from './redis.token.js';
export { RedisModule, createRedisClient, redisClientOptions, waitForReady } from './redis.module.js';
