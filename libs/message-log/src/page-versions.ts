import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisKeys, type RedisClient } from '@chat/redis';

/**
 * The rooms' page versions (RedisKeys.roomPagesVersion). A write that takes messages out of a
 * room's history pages, or changes them, changes the version AFTER it has written MongoDB: a
 * reader that read the version before that keeps what it then read under the old version, which
 * no later reader uses. Appends need none (see PageCache).
 */
@Injectable()
export class PageVersions {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  async changed(roomIds: Iterable<string>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const roomId of new Set(roomIds)) pipeline.incr(RedisKeys.roomPagesVersion(roomId));
    if (!pipeline.length) return;
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
  }
}
