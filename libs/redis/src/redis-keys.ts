/**
 * The chat keys are spread over STREAM_PARTITIONS partitions, and every key of one partition
 * carries the partition in its hash tag (`{p17}`), so it lives in one Redis Cluster slot. That
 * is what lets one Lua script append to a room's stream, record the idempotency key, mark the
 * room dirty for the worker and publish the message, atomically, also on a Redis Cluster. The
 * number is part of the key layout: changing it re-homes every room, so it is a constant.
 */
export const STREAM_PARTITIONS = 64;

/** FNV-1a of the room id: stable across processes and languages, spread evenly. */
export function partitionOf(roomId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < roomId.length; i++) {
    hash ^= roomId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % STREAM_PARTITIONS;
}

const tag = (roomId: string) => `{p${partitionOf(roomId)}}`;

/** Every Redis key and channel the apps use. */
export const RedisKeys = {
  /** The chat stream of one room: the write-behind log the worker drains into MongoDB. */
  roomStream: (roomId: string) => `chat:${tag(roomId)}:stream:${roomId}`,
  /**
   * The room's message counter: the `seq` of its newest message. Set from MongoDB and the stream
   * when missing (see the append script); never expires.
   */
  roomSeq: (roomId: string) => `chat:${tag(roomId)}:seq:${roomId}`,
  /**
   * The room's page version: changed by every write that takes messages out of the room's
   * history pages or changes them (retention), never by appends. Readers keep pages in memory
   * only under the version they read them at (see PageCache in @chat/database).
   */
  roomPagesVersion: (roomId: string) => `chat:${tag(roomId)}:pagesv:${roomId}`,
  /** Sharded pub/sub channel on which the append script publishes each new message of the room. */
  roomChannel: (roomId: string) => `chat:${tag(roomId)}:live:${roomId}`,
  /** The worker that currently drains the room (a lease with expiry). */
  drainLease: (roomId: string) => `chat:${tag(roomId)}:lease:${roomId}`,
  /** Rooms of one partition whose stream may hold entries the worker has not persisted yet. */
  dirtyRooms: (partition: number) => `chat:{p${partition}}:dirty`,
  /** The dirty set of the room's partition. */
  dirtyRoomsOf: (roomId: string) => `chat:${tag(roomId)}:dirty`,
  /**
   * Idempotency record of one (sender, clientMsgId) in a room: "<entry id>\n<draft json>". A
   * retry always targets the same room, so the record lives beside the room's stream. The room
   * is part of the key: rooms share a partition, and one clientMsgId sent to two rooms is two
   * messages.
   */
  idempotency: (roomId: string, senderId: string, clientMsgId: string) =>
    `chat:${tag(roomId)}:idem:${roomId}:${senderId}:${clientMsgId}`,
  /** The key of releases before the room was part of it; read only, see the append script. */
  legacyIdempotency: (roomId: string, senderId: string, clientMsgId: string) =>
    `chat:${tag(roomId)}:idem:${senderId}:${clientMsgId}`,
  /** Cached positive membership answers of a room. */
  roomMembers: (roomId: string) => `room:{${roomId}}:members`,
  /** Online users of a room: user → expiry (ms) of their freshest connection in it. */
  roomPresence: (roomId: string) => `presence:{${roomId}}:users`,
  /** One user's connections in a room: socket id → expiry (ms). */
  roomUserConnections: (roomId: string, userId: string) => `presence:{${roomId}}:conn:${userId}`,
  /** The connections of one socket instance: socket id → JSON, expiring with the instance. */
  instanceConnections: (instanceId: string) => `presence:instance:{${instanceId}}`,
  /** Socket instances alive: instance id → expiry (ms). */
  instances: 'presence:instances',
  /** Live figures for admins: one field per socket instance, one for the worker's backlog. */
  liveStats: 'stats:live',
  /** Entries the worker could not decode, with the reason. */
  deadLetters: 'chat:dead-letters',
  /**
   * Marks an entry as dead-lettered. Its hash tag is the dead-letter stream's whole name, so
   * both live in one cluster slot and one script writes them.
   */
  deadLetterSeen: (roomId: string, entryId: string) => `{chat:dead-letters}:seen:${roomId}:${entryId}`,
} as const;
