import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { decodeDraft, parseStreamId } from '@chat/contracts';
import { REDIS, RedisKeys, STREAM_PARTITIONS, type RedisClient } from '@chat/redis';
import {
  DEAD_LETTER_SEEN_TTL_SEC,
  perPartition,
  withScripts,
  type Backlog,
  type ScriptClient,
  type StreamEntry,
} from './room-streams.js';

/**
 * The worker's side of the log: which rooms have entries to persist, leases on them, their
 * oldest entries, deleting what was persisted, dead letters, and the size of the backlog.
 */
@Injectable()
export class DrainQueue {
  private readonly redis: ScriptClient;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redis = withScripts(redis);
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

  /**
   * How many entries of all streams carry no message number (appended by a release before
   * numbers): every entry of every dirty room, read a thousand at a time. For the layout
   * migration, which numbers such messages only once they are persisted.
   */
  async countUnnumbered(): Promise<number> {
    let count = 0;
    for (let partition = 0; partition < STREAM_PARTITIONS; partition++) {
      for await (const rooms of this.dirtyRoomBatches(partition)) {
        for (const roomId of rooms) {
          let start = '-';
          for (;;) {
            const entries = (await this.redis.xrange(
              RedisKeys.roomStream(roomId),
              start,
              '+',
              'COUNT',
              1000,
            )) as StreamEntry[];
            count += entries.filter(unnumbered).length;
            if (entries.length < 1000) break;
            start = `(${entries[entries.length - 1]![0]}`;
          }
        }
      }
    }
    return count;
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
    for await (const rooms of this.dirtyRoomBatches(partition)) {
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
    }
    return result;
  }

  /** The dirty rooms of one partition, a few hundred at a time (SSCAN: never one long command). */
  private async *dirtyRoomBatches(partition: number): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, rooms] = await this.redis.sscan(RedisKeys.dirtyRooms(partition), cursor, 'COUNT', 500);
      cursor = next;
      if (rooms.length) yield rooms;
    } while (cursor !== '0');
  }
}

/** Whether a decodable entry carries no message number (appended by a release before numbers). */
function unnumbered([id, fields]: StreamEntry): boolean {
  try {
    return decodeDraft(id, fields).seq === undefined;
  } catch {
    return false;
  }
}
