import { Inject, Injectable } from '@nestjs/common';
import {
  aggregateStats,
  type AdminStats,
  type BacklogStats,
  type SocketInstanceStats,
} from '@chat/contracts';
import type { RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';
import { REDIS } from './redis.token.js';

/** An instance that has not reported for this long is gone (it reports every second). */
const INSTANCE_STALE_MS = 3_000;
/** The worker reports with its backlog metrics (every 5 s by default). */
const BACKLOG_STALE_MS = 30_000;
/** Fields older than this are removed by the readers. */
const FORGET_MS = 60_000;
const BACKLOG_FIELD = 'backlog';

/**
 * The live figures of the deployment in one Redis hash: each socket instance writes its own
 * field every second, the worker writes the backlog; readers aggregate the fresh ones.
 */
@Injectable()
export class LiveStatsRepository {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  async reportInstance(stats: SocketInstanceStats): Promise<void> {
    await this.redis.hset(RedisKeys.liveStats, `socket:${stats.id}`, JSON.stringify(stats));
  }

  async reportBacklog(backlog: BacklogStats): Promise<void> {
    await this.redis.hset(RedisKeys.liveStats, BACKLOG_FIELD, JSON.stringify(backlog));
  }

  async removeInstance(id: string): Promise<void> {
    await this.redis.hdel(RedisKeys.liveStats, `socket:${id}`);
  }

  async snapshot(now = Date.now()): Promise<AdminStats> {
    const fields = await this.redis.hgetall(RedisKeys.liveStats);
    const instances: SocketInstanceStats[] = [];
    let backlog: BacklogStats | null = null;
    const forgotten: string[] = [];
    for (const [field, json] of Object.entries(fields)) {
      let value: { at?: unknown };
      try {
        value = JSON.parse(json) as { at?: unknown };
      } catch {
        forgotten.push(field);
        continue;
      }
      const age = now - (typeof value.at === 'number' ? value.at : 0);
      if (age > FORGET_MS) forgotten.push(field);
      else if (field === BACKLOG_FIELD) backlog = age <= BACKLOG_STALE_MS ? (value as BacklogStats) : null;
      else if (age <= INSTANCE_STALE_MS) instances.push(value as SocketInstanceStats);
    }
    if (forgotten.length) await this.redis.hdel(RedisKeys.liveStats, ...forgotten);
    return aggregateStats(instances, backlog, now);
  }
}
