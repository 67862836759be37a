import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { RedisKeys } from './redis-keys.js';
import { REDIS } from './redis.token.js';

/**
 * Caches positive membership answers in Redis: MongoDB is the truth, a `room:{id}:members` set
 * holds users known to be members. Only positives are cached, so a membership added in MongoDB
 * is seen at once (a miss falls back to the database) and nothing stale can deny a new member.
 * Removing a member (not in the API yet) must SREM here; `invalidate` drops the whole room.
 */
@Injectable()
export class MembershipCache {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async isMember(roomId: string, userId: string, loadFromDatabase: () => Promise<boolean>): Promise<boolean> {
    const key = RedisKeys.roomMembers(roomId);
    if ((await this.redis.sismember(key, userId)) === 1) return true;
    const member = await loadFromDatabase();
    if (member) await this.remember(roomId, userId);
    return member;
  }

  async remember(roomId: string, userId: string): Promise<void> {
    const key = RedisKeys.roomMembers(roomId);
    await this.redis.multi().sadd(key, userId).expire(key, this.config.MEMBERSHIP_CACHE_TTL_SEC).exec();
  }

  async invalidate(roomId: string): Promise<void> {
    await this.redis.del(RedisKeys.roomMembers(roomId));
  }
}
