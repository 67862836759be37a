import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { STREAM_FIELD, encodeDraft, parseDraft, parseStreamId, type MessageDraft } from '@chat/contracts';
import { RedisKeys } from './redis-keys.js';
import { REDIS } from './redis.token.js';

/**
 * Atomically: if (sender, clientMsgId) was seen, return the original entry; otherwise XADD the
 * draft to the room's stream, remember it for idempotency and mark the room dirty for the worker.
 * One round trip, and no window where a retry could store a second copy.
 */
const APPEND_SCRIPT = `
local previous = redis.call('GET', KEYS[2])
if previous then return {0, previous} end
local id = redis.call('XADD', KEYS[1], '*', ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], id .. '\\n' .. ARGV[2], 'EX', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return {1, id}
`;

/** Removes the room from the dirty set only if its stream is really empty (no race with XADD). */
const CLEAN_SCRIPT = `
if redis.call('XLEN', KEYS[1]) == 0 then return redis.call('SREM', KEYS[2], ARGV[1]) end
return 0
`;

/** Deletes the lease only if this worker still holds it. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface Backlog {
  /** Entries in all room streams, i.e. acked messages not yet deleted by the worker. */
  messages: number;
  rooms: number;
  /** Time of the oldest entry still in a stream, or null when there is none. */
  oldestMs: number | null;
}

export interface AppendResult {
  id: string;
  draft: MessageDraft;
  duplicate: boolean;
}

export type StreamEntry = [id: string, fields: string[]];

type ScriptClient = Redis & {
  chatAppend(
    stream: string,
    idem: string,
    dirty: string,
    field: string,
    draft: string,
    ttl: number,
    roomId: string,
  ): Promise<[number, string]>;
  chatClean(stream: string, dirty: string, roomId: string): Promise<number>;
};

type LeasePipeline = ReturnType<Redis['pipeline']> & {
  chatRelease(lease: string, owner: string): unknown;
};

/** The idempotency record the append script stores: "<entry id>\n<draft json>". */
function parseIdempotencyRecord(value: string): AppendResult {
  const newline = value.indexOf('\n');
  return { id: value.slice(0, newline), draft: parseDraft(value.slice(newline + 1)), duplicate: true };
}

/** The chat streams: appends from the socket app, tail reads for history, drains by the worker. */
@Injectable()
export class ChatStreamRepository {
  private readonly redis: ScriptClient;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redis = redis as ScriptClient;
    if (!('chatAppend' in redis)) {
      redis.defineCommand('chatAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT });
      redis.defineCommand('chatClean', { numberOfKeys: 2, lua: CLEAN_SCRIPT });
      redis.defineCommand('chatRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    }
  }

  async append(draft: MessageDraft): Promise<AppendResult> {
    const json = encodeDraft(draft);
    const [created, value] = await this.redis.chatAppend(
      RedisKeys.roomStream(draft.roomId),
      RedisKeys.idempotency(draft.senderId, draft.clientMsgId),
      RedisKeys.dirtyRooms,
      STREAM_FIELD,
      json,
      this.config.IDEMPOTENCY_TTL_SEC,
      draft.roomId,
    );
    if (created === 1) return { id: value, draft, duplicate: false };
    return parseIdempotencyRecord(value);
  }

  /** The message already stored for (sender, clientMsgId), if any: lets a retried file send skip its upload. */
  async findDuplicate(senderId: string, clientMsgId: string): Promise<AppendResult | null> {
    const value = await this.redis.get(RedisKeys.idempotency(senderId, clientMsgId));
    if (value === null) return null;
    return parseIdempotencyRecord(value);
  }

  /** Newest entries of a room strictly older than `before` (or the newest of all), newest first. */
  async tail(roomId: string, count: number, before?: string): Promise<StreamEntry[]> {
    const end = before ? `(${before}` : '+';
    return (await this.redis.xrevrange(
      RedisKeys.roomStream(roomId),
      end,
      '-',
      'COUNT',
      count,
    )) as StreamEntry[];
  }

  /** Up to `count` random rooms that may have unpersisted entries. */
  async dirtyRooms(count: number): Promise<string[]> {
    return this.redis.srandmember(RedisKeys.dirtyRooms, count);
  }

  /**
   * Takes a lease on each room that no other worker holds; returns the rooms taken. The lease
   * only avoids duplicated work: correctness never depends on it (inserts are idempotent and
   * entries are deleted only after their insert succeeded).
   */
  async claimRooms(roomIds: string[], owner: string, leaseMs: number): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    for (const roomId of roomIds) pipeline.set(RedisKeys.drainLease(roomId), owner, 'PX', leaseMs, 'NX');
    const replies = (await pipeline.exec()) ?? [];
    return roomIds.filter((_, i) => replies[i]?.[1] === 'OK');
  }

  async releaseRooms(roomIds: string[], owner: string): Promise<void> {
    if (!roomIds.length) return;
    const pipeline = this.redis.pipeline() as LeasePipeline;
    for (const roomId of roomIds) pipeline.chatRelease(RedisKeys.drainLease(roomId), owner);
    await pipeline.exec();
  }

  /** Oldest entries of each room, one pipelined round trip. */
  async readOldest(roomIds: string[], countPerRoom: number): Promise<Map<string, StreamEntry[]>> {
    const pipeline = this.redis.pipeline();
    for (const roomId of roomIds)
      pipeline.xrange(RedisKeys.roomStream(roomId), '-', '+', 'COUNT', countPerRoom);
    const replies = (await pipeline.exec()) ?? [];
    const result = new Map<string, StreamEntry[]>();
    replies.forEach(([error, entries], index) => {
      if (error) throw error;
      result.set(roomIds[index], entries as StreamEntry[]);
    });
    return result;
  }

  /** XDELs exactly the given entries of each room. */
  async delete(idsByRoom: Map<string, string[]>): Promise<number> {
    const pipeline = this.redis.pipeline();
    for (const [roomId, ids] of idsByRoom)
      if (ids.length) pipeline.xdel(RedisKeys.roomStream(roomId), ...ids);
    const replies = (await pipeline.exec()) ?? [];
    let deleted = 0;
    for (const [error, count] of replies) {
      if (error) throw error;
      deleted += count as number;
    }
    return deleted;
  }

  /** Drops rooms from the dirty set whose stream turned out empty. */
  async markClean(roomIds: string[]): Promise<void> {
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
      chatClean(stream: string, dirty: string, roomId: string): unknown;
    };
    for (const roomId of roomIds)
      pipeline.chatClean(RedisKeys.roomStream(roomId), RedisKeys.dirtyRooms, roomId);
    await pipeline.exec();
  }

  async deadLetter(roomId: string, id: string, fields: string[], reason: string): Promise<void> {
    await this.redis.xadd(
      RedisKeys.deadLetters,
      '*',
      'room',
      roomId,
      'id',
      id,
      'reason',
      reason,
      'fields',
      JSON.stringify(fields),
    );
  }

  /** Size and age of what is acked but not yet persisted, scanning the dirty rooms in chunks. */
  async backlog(): Promise<Backlog> {
    const result: Backlog = { messages: 0, rooms: 0, oldestMs: null };
    let cursor = '0';
    do {
      const [next, rooms] = await this.redis.sscan(RedisKeys.dirtyRooms, cursor, 'COUNT', 500);
      cursor = next;
      if (!rooms.length) continue;
      const pipeline = this.redis.pipeline();
      for (const roomId of rooms) {
        pipeline.xlen(RedisKeys.roomStream(roomId));
        pipeline.xrange(RedisKeys.roomStream(roomId), '-', '+', 'COUNT', 1);
      }
      const replies = (await pipeline.exec()) ?? [];
      for (let i = 0; i < replies.length; i += 2) {
        const length = (replies[i][1] as number) ?? 0;
        if (length === 0) continue;
        result.messages += length;
        result.rooms++;
        const first = (replies[i + 1][1] as StreamEntry[])[0];
        const ms = first ? (parseStreamId(first[0])?.ms ?? null) : null;
        if (ms !== null && (result.oldestMs === null || ms < result.oldestMs)) result.oldestMs = ms;
      }
    } while (cursor !== '0');
    return result;
  }
}
