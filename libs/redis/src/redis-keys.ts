/**
 * Every Redis key the apps use. Room keys carry the room id in a hash tag ({...}) so that a
 * room's keys live in one Redis Cluster slot.
 */
export const RedisKeys = {
  /** The chat stream of one room: the write-behind log the worker drains into MongoDB. */
  roomStream: (roomId: string) => `chat:{${roomId}}:stream`,
  /** The worker that currently drains the room (a lease with expiry). */
  drainLease: (roomId: string) => `chat:{${roomId}}:drain-lease`,
  /** Rooms whose stream may hold entries the worker has not persisted yet. */
  dirtyRooms: 'chat:dirty-rooms',
  /** Idempotency record of one (sender, clientMsgId): "<entry id>\n<draft json>". */
  idempotency: (senderId: string, clientMsgId: string) => `chat:idem:{${senderId}}:${clientMsgId}`,
  /** Cached positive membership answers of a room. */
  roomMembers: (roomId: string) => `room:{${roomId}}:members`,
  /** Entries the worker could not decode, with the reason. */
  deadLetters: 'chat:dead-letters',
} as const;
