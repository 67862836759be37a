import { Cluster, type ChainableCommander } from 'ioredis';
import { STREAM_FIELD, parseDraft, type MessageDraft } from '@chat/contracts';
import type { MessagesRepository } from '@chat/database';
import { RedisKeys, partitionOf, type RedisClient } from '@chat/redis';

// The room streams as Redis holds them: the Lua scripts, the shapes of what they return, and
// pipelines per cluster slot. Shared by MessageAppender, MessageReader and DrainQueue.

/**
 * For each message, atomically: if (sender, clientMsgId) was seen, return the original entry;
 * otherwise give the message the room's next number (`seq`, written into its JSON), XADD it to
 * the room's stream, remember it for idempotency, mark the room dirty for the worker and publish
 * it on the room's shard channel. One round trip for all the messages of a batch, no window where
 * a retry could store a second copy, and, because scripts run one at a time, subscribers receive
 * a room's messages in exactly the order of their stream ids and numbers, even when many socket
 * instances send at once. A message that is stored is also published, whatever happens to the
 * sender's instance afterwards.
 *
 * A room whose counter does not exist (its first message, or Redis lost its data) is not
 * appended to: the message is answered UNNUMBERED and the caller sets the counter from what
 * MongoDB and the stream hold (MessageAppender.seedCounter), then sends it again. So a number is
 * never given twice, also after Redis lost its counters.
 *
 * KEYS: stream, idempotency, dirty set, legacy idempotency, counter, five per message. ARGV:
 * field, ttl, then draft, room id, channel per message. Returns created (1), duplicate (0) or
 * unnumbered (-1), and the id, the original record or "", two per message.
 *
 * The legacy key is the idempotency key of releases before it named the room
 * (`idem:<sender>:<clientMsgId>`): a client that resends across an upgrade still gets its
 * original, but only when that record is of the same room. Such keys expire IDEMPOTENCY_TTL_SEC
 * after the upgrade; the lookup can go in the release after.
 */
const APPEND_SCRIPT = `
local out = {}
for i = 0, #KEYS / 5 - 1 do
  local k, a = i * 5, 2 + i * 3
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
  elseif redis.call('EXISTS', KEYS[k + 5]) == 0 then
    out[#out + 1] = -1
    out[#out + 1] = ''
  else
    local seq = redis.call('INCR', KEYS[k + 5])
    local json = string.sub(ARGV[a + 1], 1, -2) .. ',"seq":' .. string.format('%d', seq) .. '}'
    local id = redis.call('XADD', KEYS[k + 1], '*', ARGV[1], json)
    local record = id .. '\\n' .. json
    redis.call('SET', KEYS[k + 2], record, 'EX', ARGV[2])
    redis.call('SADD', KEYS[k + 3], ARGV[a + 2])
    redis.call('SPUBLISH', ARGV[a + 3], record)
    out[#out + 1] = 1
    out[#out + 1] = record
  end
end
return out
`;

/**
 * Sets a room's counter unless it exists: to the highest number MongoDB holds (ARGV[1]) or the
 * stream's newest 100 entries hold (the newest may be undecodable, or from before numbers),
 * whichever is higher. KEYS: counter, stream. ARGV: the number
 * MongoDB holds, the stream field.
 */
const SEED_COUNTER_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local seq = tonumber(ARGV[1])
for _, entry in ipairs(redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 100)) do
  for f = 1, #entry[2], 2 do
    if entry[2][f] == ARGV[2] then
      local ok, draft = pcall(cjson.decode, entry[2][f + 1])
      if ok and type(draft) == 'table' and type(draft.seq) == 'number' and draft.seq > seq then
        seq = draft.seq
      end
    end
  end
end
redis.call('SET', KEYS[1], string.format('%d', seq))
return 1
`;

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
export const DEAD_LETTER_SEEN_TTL_SEC = 7 * 86_400;

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

export type ScriptClient = RedisClient & {
  chatDeadLetter(seen: string, stream: string, ...args: (string | number)[]): Promise<number>;
  /** numkeys, then KEYS and ARGV of APPEND_SCRIPT. */
  chatAppend(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<(number | string)[]>;
  chatSeedCounter(counter: string, stream: string, seq: number, field: string): Promise<number>;
};

export type ScriptPipeline = ChainableCommander & {
  chatRelease(lease: string, owner: string): unknown;
  chatClean(stream: string, dirty: string, roomId: string): unknown;
};

/** Defines the scripts on the shared client once, whichever class of the log comes first. */
export function withScripts(redis: RedisClient): ScriptClient {
  if (!('chatAppend' in redis)) {
    redis.defineCommand('chatAppend', { lua: APPEND_SCRIPT });
    redis.defineCommand('chatSeedCounter', { numberOfKeys: 2, lua: SEED_COUNTER_SCRIPT });
    redis.defineCommand('chatClean', { numberOfKeys: 2, lua: CLEAN_SCRIPT });
    redis.defineCommand('chatRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    redis.defineCommand('chatDeadLetter', { numberOfKeys: 2, lua: DEAD_LETTER_SCRIPT });
  }
  return redis as ScriptClient;
}

/**
 * Sets the room's counter, unless it exists, to the highest number given in the room so far (what
 * MongoDB holds, or the stream's newest entries); returns what MongoDB holds. The appender calls it
 * before it numbers a room whose counter is missing, the reader when it finds one missing (Redis
 * lost it, or the messages came into MongoDB another way), so that later reads need no MongoDB.
 */
export async function seedCounter(
  redis: RedisClient,
  messages: MessagesRepository,
  roomId: string,
): Promise<number> {
  const persisted = await messages.highestSeq(roomId);
  await withScripts(redis).chatSeedCounter(
    RedisKeys.roomSeq(roomId),
    RedisKeys.roomStream(roomId),
    persisted,
    STREAM_FIELD,
  );
  return persisted;
}

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
export async function perPartition<T>(
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
