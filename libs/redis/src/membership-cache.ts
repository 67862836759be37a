import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode, parseRoomId } from '@chat/contracts';
import type { RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';
import { REDIS } from './redis.token.js';

/**
 * Caches positive membership answers in Redis: MongoDB is the truth, a `room:{id}:members` set
 * holds users known to be members. Only positives are cached, so a membership added in MongoDB
 * is seen at once (a miss falls back to the database) and nothing stale can deny a new member.
 * Removing a member (not in the API yet) must SREM here; `invalidate` drops the whole room.
 */
/** Where the truth lives (MongoDB's rooms repository). */
export interface MembershipSource {
  isMember(roomId: string, userId: string): Promise<boolean>;
  exists(roomId: string): Promise<boolean>;
}

@Injectable()
export class MembershipCache {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async isMember(roomId: string, userId: string, loadFromDatabase: () => Promise<boolean>): Promise<boolean> {
    const key = RedisKeys.roomMembers(roomId);
    if ((await this.redis.sismember(key, userId)) === 1) return true;
    const member = await loadFromDatabase();
    if (member) await this.remember(roomId, userId);
    return member;
  }

  /**
   * NOT_FOUND for a room that does not exist, FORBIDDEN for one the user is not in. A cached
   * membership proves the room exists, so the common case is one SISMEMBER and no database read.
   * VALIDATION for an id not in its one spelling: the transports check it first, and this is the
   * backstop before any key is made of it (another spelling would be another set).
   */
  async assertMember(roomId: string, userId: string, source: MembershipSource): Promise<void> {
    parseRoomId(roomId);
    if (await this.isMember(roomId, userId, () => source.isMember(roomId, userId))) return;
    if (!(await source.exists(roomId))) throw new AppError(ErrorCode.NOT_FOUND, 'room not found');
    throw new AppError(ErrorCode.FORBIDDEN, 'not a member of this room');
  }

  async remember(roomId: string, userId: string): Promise<void> {
    const key = RedisKeys.roomMembers(roomId);
    await this.redis.multi().sadd(key, userId).expire(key, this.config.MEMBERSHIP_CACHE_TTL_SEC).exec();
  }

  async invalidate(roomId: string): Promise<void> {
    await this.redis.del(RedisKeys.roomMembers(roomId));
  }
}
