import { Inject, Injectable } from '@nestjs/common';
import { Cluster, type ChainableCommander } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import {
  STREAM_FIELD,
  compareStreamIds,
  encodeDraft,
  parseDraft,
  parseStreamId,
  type MessageDraft,
} from '@chat/contracts';
import type { RedisClient } from './redis-client.js';
import { RedisKeys, STREAM_PARTITIONS, partitionOf } from './redis-keys.js';
import { REDIS } from './redis.token.js';

/**
 * For each message, atomically: if (sender, clientMsgId) was seen, return the original entry;
 * otherwise XADD the draft to the room's stream, remember it for idempotency, mark the room
 * dirty for the worker and publish it on the room's shard channel. One round trip for all the
 * messages of a batch, no window where a retry could store a second copy, and, because scripts
 * run one at a time, subscribers receive a room's messages in exactly the order of their stream
 * ids, even when many socket instances send at once. A message that is stored is also
 * published, whatever happens to the sender's instance afterwards.
 *
 * KEYS: stream, idempotency, dirty set, legacy idempotency, four per message. ARGV: field, ttl,
 * then draft, room id, channel per message. Returns created (1) or duplicate (0) and the id or
 * the original record, two per message.
 *
 * The legacy key is the idempotency key of releases before it named the room
 * (`idem:<sender>:<clientMsgId>`): a client that resends across an upgrade still gets its
 * original, but only when that record is of the same room. Such keys expire IDEMPOTENCY_TTL_SEC
 * after the upgrade; the lookup can go in the release after.
 */
const APPEND_SCRIPT = `
local out = {}
for i = 0, #KEYS / 4 - 1 do
  local k, a = i * 4, 2 + i * 3
  local previous = redis.call('GET', KEYS[k + 2])
  if not previous then
    local legacy = redis.call('GET', KEYS[k + 4])
    local newline = legacy and string.find(legacy, '\\n', 1, true)
    if newline then
      local ok, draft = pcall(cjson.decode, string.sub(legacy, newline + 1))
      if ok and type(draft) == 'table' and draft.roomId == ARGV[a + 2] then previous = legacy end
    end
  end
  if previous then
    out[#out + 1] = 0
    out[#out + 1] = previous
  else
    local id = redis.call('XADD', KEYS[k + 1], '*', ARGV[1], ARGV[a + 1])
    local record = id .. '\\n' .. ARGV[a + 1]
    redis.call('SET', KEYS[k + 2], record, 'EX', ARGV[2])
    redis.call('SADD', KEYS[k + 3], ARGV[a + 2])
    redis.call('SPUBLISH', ARGV[a + 3], record)
    out[#out + 1] = 1
    out[#out + 1] = id
  end
end
return out
`;

/**
 * Appends made in the same turn of the event loop go to Redis as one script call (per cluster
 * slot), at most this many messages each. Under load the profile showed a script call, an
 * auto-pipeline, a command and their promises per message; a batch has one of each, and Redis
 * runs one script instead of dozens.
 */
const MAX_APPEND_BATCH = 256;

/** Removes the room from the dirty set only if its stream is really empty (no race with XADD). */
const CLEAN_SCRIPT = `
if redis.call('XLEN', KEYS[1]) == 0 then return redis.call('SREM', KEYS[2], ARGV[1]) end
return 0
`;

/**
 * Dead-letters an entry once: a batch that fails after it (MongoDB down) reads the entry again
 * on every retry, and only the first writes it. The stream is capped (approximately) at
 * ARGV[2] entries. KEYS: seen marker, dead-letter stream (one slot: see RedisKeys.deadLetterSeen).
 * ARGV: marker ttl, cap, then the entry's field-value pairs.
 */
const DEAD_LETTER_SCRIPT = `
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
return 1
`;

/** How long an entry is remembered as dead-lettered: far longer than any retry of its batch. */
const DEAD_LETTER_SEEN_TTL_SEC = 7 * 86_400;

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

/** Entries of a room after some id, and whether the stream alone holds all of them. */
export interface StreamSlice {
  entries: StreamEntry[];
  /**
   * True when nothing after the id can have been moved to MongoDB yet: the stream still holds
   * the id itself or an older entry. When false, MongoDB must be read for the gap.
   */
  complete: boolean;
}

type ScriptClient = RedisClient & {
  chatDeadLetter(seen: string, stream: string, ...args: (string | number)[]): Promise<number>;
  /** numkeys, then KEYS and ARGV of APPEND_SCRIPT. */
  chatAppend(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<(number | string)[]>;
};

interface PendingAppend {
  draft: MessageDraft;
  json: string;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type ScriptPipeline = ChainableCommander & {
  chatRelease(lease: string, owner: string): unknown;
  chatClean(stream: string, dirty: string, roomId: string): unknown;
};

/**
 * The record the append script stores and publishes: "<entry id>\n<draft json>".
 * `duplicate` is left to the caller.
 */
export function parseMessageRecord(value: string): { id: string; draft: MessageDraft } {
  const newline = value.indexOf('\n');
  return { id: value.slice(0, newline), draft: parseDraft(value.slice(newline + 1)) };
}

function groupByPartition(roomIds: string[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const roomId of roomIds) {
    const partition = partitionOf(roomId);
    const group = groups.get(partition);
    if (group) group.push(roomId);
    else groups.set(partition, [roomId]);
  }
  return [...groups.values()];
}

/**
 * Runs one pipeline per partition (all its keys in one cluster slot), concurrently, and returns
 * the replies in the order of `roomIds`' groups. A cross-slot pipeline is refused by a cluster;
 * a single Redis gets one pipeline for all.
 */
async function perPartition<T>(
  redis: RedisClient,
  roomIds: string[],
  queue: (pipeline: ScriptPipeline, roomId: string) => void,
  collect: (roomId: string, reply: unknown) => T,
): Promise<T[]> {
  // A single Redis takes any keys in one pipeline: one round trip instead of one per partition.
  const groups = redis instanceof Cluster ? groupByPartition(roomIds) : [roomIds];
  const results = await Promise.all(
    groups.map(async (group) => {
      const pipeline = redis.pipeline() as ScriptPipeline;
      for (const roomId of group) queue(pipeline, roomId);
      const replies = (await pipeline.exec()) ?? [];
      return group.map((roomId, i) => {
        const [error, reply] = replies[i] ?? [new Error('no reply'), null];
        if (error) throw error;
        return collect(roomId, reply);
      });
    }),
  );
  return results.flat();
}

/** The chat streams: appends from the socket app, tail reads for history, drains by the worker. */
@Injectable()
export class ChatStreamRepository {
  private readonly redis: ScriptClient;
  /** Appends of this turn of the event loop, sent together by flushAppends. */
  private pending: PendingAppend[] = [];

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redis = redis as ScriptClient;
    if (!('chatAppend' in redis)) {
      redis.defineCommand('chatAppend', { lua: APPEND_SCRIPT });
      redis.defineCommand('chatClean', { numberOfKeys: 2, lua: CLEAN_SCRIPT });
      redis.defineCommand('chatRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
      redis.defineCommand('chatDeadLetter', { numberOfKeys: 2, lua: DEAD_LETTER_SCRIPT });
    }
  }

  /**
   * Stores the message, or finds the one stored before under the same (sender, clientMsgId).
   * Appends made in the same turn of the event loop share one script call (see APPEND_SCRIPT).
   */
  append(draft: MessageDraft): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ draft, json: encodeDraft(draft), resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flushAppends());
    });
  }

  private flushAppends(): void {
    const pending = this.pending;
    this.pending = [];
    // A cluster refuses a script whose keys are in more than one slot: one call per partition.
    const groups = new Map<number, PendingAppend[]>();
    const cluster = this.redis instanceof Cluster;
    for (const item of pending) {
      const key = cluster ? partitionOf(item.draft.roomId) : 0;
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
    for (const group of groups.values())
      for (let i = 0; i < group.length; i += MAX_APPEND_BATCH)
        void this.appendBatch(group.slice(i, i + MAX_APPEND_BATCH));
  }

  private async appendBatch(batch: PendingAppend[]): Promise<void> {
    const keys: string[] = [];
    const args: (string | number)[] = [STREAM_FIELD, this.config.IDEMPOTENCY_TTL_SEC];
    for (const { draft, json } of batch) {
      keys.push(
        RedisKeys.roomStream(draft.roomId),
        RedisKeys.idempotency(draft.roomId, draft.senderId, draft.clientMsgId),
        RedisKeys.dirtyRoomsOf(draft.roomId),
        RedisKeys.legacyIdempotency(draft.roomId, draft.senderId, draft.clientMsgId),
      );
      args.push(json, draft.roomId, RedisKeys.roomChannel(draft.roomId));
    }
    let reply: (number | string)[];
    try {
      reply = await this.redis.chatAppend(keys.length, ...keys, ...args);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const created = reply[2 * i];
      const value = reply[2 * i + 1];
      if (typeof value !== 'string') item.reject(new Error('append script: no reply for the message'));
      else if (created === 1) item.resolve({ id: value, draft: item.draft, duplicate: false });
      else item.resolve({ ...parseMessageRecord(value), duplicate: true });
    });
  }

  /** The message already stored for (sender, clientMsgId), if any: lets a retried file send skip its upload. */
  async findDuplicate(roomId: string, senderId: string, clientMsgId: string): Promise<AppendResult | null> {
    const value = await this.redis.get(RedisKeys.idempotency(roomId, senderId, clientMsgId));
    if (value === null) return null;
    return { ...parseMessageRecord(value), duplicate: true };
  }

  /**
   * Oldest entries of a room strictly newer than `after`, and whether the stream is known to hold
   * all of them (see StreamSlice). One round trip.
   */
  async after(roomId: string, after: string, count: number): Promise<StreamSlice> {
    const key = RedisKeys.roomStream(roomId);
    const replies =
      (await this.redis
        .pipeline()
        .xrange(key, '-', '+', 'COUNT', 1)
        .xrange(key, `(${after}`, '+', 'COUNT', count)
        .exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const first = (replies[0]?.[1] as StreamEntry[])[0];
    const entries = replies[1]?.[1] as StreamEntry[];
    const complete = first !== undefined && compareStreamIds(first[0], after) <= 0;
    return { entries, complete };
  }

  /** The id the room's stream gave last (also after the worker deleted it), or "0-0" if none. */
  async lastId(roomId: string): Promise<string> {
    try {
      const info = (await this.redis.xinfo('STREAM', RedisKeys.roomStream(roomId))) as unknown[];
      const at = info.indexOf('last-generated-id');
      return at >= 0 ? String(info[at + 1]) : '0-0';
    } catch (error) {
      if (/no such key/i.test((error as Error).message)) return '0-0';
      throw error;
    }
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

  /**
   * Up to `count` random rooms that may have unpersisted entries, taken evenly from the
   * partitions. One command per partition, sent together (one pipeline per cluster node).
   */
  async dirtyRooms(count: number): Promise<string[]> {
    const perPartition = await Promise.all(
      Array.from({ length: STREAM_PARTITIONS }, (_, partition) =>
        this.redis.srandmember(RedisKeys.dirtyRooms(partition), count),
      ),
    );
    const rooms: string[] = [];
    for (let i = 0; rooms.length < count; i++) {
      let any = false;
      for (const list of perPartition) {
        if (i >= list.length) continue;
        any = true;
        rooms.push(list[i]);
        if (rooms.length === count) break;
      }
      if (!any) break;
    }
    return rooms;
  }

  /**
   * Takes a lease on each room that no other worker holds; returns the rooms taken. The lease
   * only avoids duplicated work: correctness never depends on it (inserts are idempotent and
   * entries are deleted only after their insert succeeded).
   */
  async claimRooms(roomIds: string[], owner: string, leaseMs: number): Promise<string[]> {
    const taken = await perPartition(
      this.redis,
      roomIds,
      (pipeline, roomId) => pipeline.set(RedisKeys.drainLease(roomId), owner, 'PX', leaseMs, 'NX'),
      (roomId, reply) => (reply === 'OK' ? roomId : null),
    );
    return taken.filter((roomId): roomId is string => roomId !== null);
  }

  async releaseRooms(roomIds: string[], owner: string): Promise<void> {
    await perPartition(
      this.redis,
      roomIds,
      (pipeline, roomId) => pipeline.chatRelease(RedisKeys.drainLease(roomId), owner),
      () => undefined,
    );
  }

  /** Oldest entries of each room: one pipelined round trip per partition, all at once. */
  async readOldest(roomIds: string[], countPerRoom: number): Promise<Map<string, StreamEntry[]>> {
    const entries = await perPartition(
      this.redis,
      roomIds,
      (pipeline, roomId) => pipeline.xrange(RedisKeys.roomStream(roomId), '-', '+', 'COUNT', countPerRoom),
      (roomId, reply) => [roomId, reply as StreamEntry[]] as const,
    );
    return new Map(entries);
  }

  /** XDELs exactly the given entries of each room. */
  async delete(idsByRoom: Map<string, string[]>): Promise<number> {
    const rooms = [...idsByRoom].filter(([, ids]) => ids.length).map(([roomId]) => roomId);
    const counts = await perPartition(
      this.redis,
      rooms,
      (pipeline, roomId) => pipeline.xdel(RedisKeys.roomStream(roomId), ...idsByRoom.get(roomId)!),
      (_, reply) => reply as number,
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** Drops rooms from the dirty set whose stream turned out empty. */
  async markClean(roomIds: string[]): Promise<void> {
    await perPartition(
      this.redis,
      roomIds,
      (pipeline, roomId) =>
        pipeline.chatClean(RedisKeys.roomStream(roomId), RedisKeys.dirtyRoomsOf(roomId), roomId),
      () => undefined,
    );
  }

  /**
   * Keeps an undecodable entry (with the reason) in the dead-letter stream, once per entry
   * however often its batch is retried; the stream keeps about DEAD_LETTER_MAX entries. Returns
   * whether this call wrote it.
   */
  async deadLetter(roomId: string, id: string, fields: string[], reason: string): Promise<boolean> {
    const written = await this.redis.chatDeadLetter(
      RedisKeys.deadLetterSeen(roomId, id),
      RedisKeys.deadLetters,
      DEAD_LETTER_SEEN_TTL_SEC,
      this.config.DEAD_LETTER_MAX,
      'room',
      roomId,
      'id',
      id,
      'reason',
      reason,
      'fields',
      JSON.stringify(fields),
    );
    return written === 1;
  }

  /** Size and age of what is acked but not yet persisted, scanning each partition's dirty rooms. */
  async backlog(): Promise<Backlog> {
    const result: Backlog = { messages: 0, rooms: 0, oldestMs: null };
    const partitions = await Promise.all(
      Array.from({ length: STREAM_PARTITIONS }, (_, partition) => this.partitionBacklog(partition)),
    );
    for (const part of partitions) {
      result.messages += part.messages;
      result.rooms += part.rooms;
      if (part.oldestMs !== null && (result.oldestMs === null || part.oldestMs < result.oldestMs))
        result.oldestMs = part.oldestMs;
    }
    return result;
  }

  private async partitionBacklog(partition: number): Promise<Backlog> {
    const result: Backlog = { messages: 0, rooms: 0, oldestMs: null };
    let cursor = '0';
    do {
      const [next, rooms] = await this.redis.sscan(RedisKeys.dirtyRooms(partition), cursor, 'COUNT', 500);
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
