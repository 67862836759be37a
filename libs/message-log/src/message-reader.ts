import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  compareStreamIds,
  decodeEntries,
  mergeMessages,
  type Message,
  type MessagePage,
} from '@chat/contracts';
import { MessagesRepository, RoomsRepository } from '@chat/database';
import { REDIS, RedisKeys, type RedisClient } from '@chat/redis';
import { mergePages } from './merge-pages.js';
import { seedCounter, type StreamEntry, type StreamSlice } from './room-streams.js';

/**
 * Reads a room's messages where they are: the newest in the room's Redis stream (not yet
 * persisted), the rest in MongoDB. The one read that history (`page`) and replay (`after`) use.
 *
 * The stream is read FIRST: an entry the worker persists and deletes after that read is then
 * found in MongoDB, so no message can fall between the two reads; one that is in both (the worker
 * between its insert and its XDEL) appears once. The worker persists and deletes only the OLDEST
 * entries of a stream (a prefix), so every entry still in the stream is newer than every
 * persisted message: MongoDB is asked only when the stream alone cannot answer, and then for the
 * messages numbered below the oldest the stream gave, from the room's pages (keyed reads, the
 * cost of the page whatever the size of the database). Messages without numbers (stored before
 * rooms had them) are below every numbered one, and read by id range. Both reads are bounded by
 * the limit, and streams are per room, so a read costs the same whatever the backlog of other
 * rooms.
 */
@Injectable()
export class MessageReader {
  private readonly logger = new Logger(MessageReader.name);

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly messages: MessagesRepository,
    private readonly rooms: RoomsRepository,
  ) {}

  /** A page of the room's history, newest first, strictly before `before` (the newest without). */
  async page(roomId: string, limit: number, before?: string): Promise<MessagePage> {
    const { entries, counter, version } = await this.tail(roomId, limit + 1, before);
    const fromStream = this.decode(roomId, entries);
    // Past `limit` stream entries below the cursor, the page is the stream's alone: the entries
    // below them are not persisted yet either. (An undecodable entry, which the worker
    // dead-letters, only makes the page shorter; the next one starts below the oldest read.)
    if (entries.length > limit) {
      const items = fromStream.slice(0, limit);
      const last = fromStream.length > limit ? items[items.length - 1]!.id : entries[entries.length - 1]![0];
      return { items, nextBefore: last };
    }
    const wanted = limit + 1 - fromStream.length;
    const oldest = fromStream[fromStream.length - 1];
    const upper = oldest ? (oldest.seq ?? null) : await this.upperBound(roomId, counter, before);
    if (upper === null) {
      // Not numbered (or an id that is no message of the room): the range of ids below it.
      return mergePages(fromStream, await this.messages.page(roomId, limit + 1, before), limit);
    }
    const lowest = await this.rooms.numberedFrom(roomId);
    // Everything numbered below `upper` had left the stream, so had been persisted, before the
    // pages are read: what a cached page must hold to answer them (see PageCache).
    const fromPages = await this.messages.numberedBelow(
      roomId,
      upper,
      wanted,
      lowest ?? 1,
      oldest?.id ?? before,
      {
        version,
        persistedBelow: upper,
      },
    );
    if (fromPages.length < wanted && lowest === null) {
      // Below number 1: the room's messages from before numbers, if it has any (by id range;
      // the layout migration may have numbered some below 1 meanwhile: they belong here too).
      const below = fromPages[fromPages.length - 1]?.id ?? oldest?.id ?? before;
      const older = await this.messages.page(roomId, wanted - fromPages.length, below);
      fromPages.push(...older.filter((message) => (message.seq ?? 0) < 1));
    }
    return mergePages(fromStream, fromPages, limit);
  }

  /**
   * The number below which persisted messages belong on the page (exclusive), when the stream
   * gave none: one past the room's newest number, or the number of `before`; null when `before`
   * is not a numbered message of the room.
   */
  private async upperBound(roomId: string, counter: string | null, before?: string): Promise<number | null> {
    if (before === undefined) {
      // Without a counter, what MongoDB holds: the stream was empty when read, and the room's head
      // is raised only after its pages are written.
      const newest =
        counter !== null ? Number(counter) : await seedCounter(this.redis, this.messages, roomId);
      return newest + 1;
    }
    const persisted = await this.messages.seqOf(roomId, before);
    if (persisted !== null) return persisted;
    const [entry] = (await this.redis.xrange(RedisKeys.roomStream(roomId), before, before)) as StreamEntry[];
    return (entry && this.decode(roomId, [entry])[0]?.seq) ?? null;
  }

  /** Up to `limit` messages of the room strictly after `after`, oldest first. */
  async after(roomId: string, after: string, limit: number): Promise<Message[]> {
    const slice = await this.streamAfter(roomId, after, limit);
    const fromStream = this.decode(roomId, slice.entries);
    // The stream still reaches back to `after`: nothing of what follows it is only in MongoDB.
    if (slice.complete) return fromStream;
    // The persisted ones: by number from the pages when `after` has one, else by id range.
    const [lower, highest, version] = await Promise.all([
      this.messages.seqOf(roomId, after),
      this.messages.highestSeq(roomId),
      this.pagesVersion(roomId),
    ]);
    // The room's head is raised after its pages are written: everything up to it is in them.
    const fromDatabase =
      lower === null
        ? await this.messages.after(roomId, after, limit)
        : await this.messages.numberedAbove(roomId, lower, limit, highest, after, {
            version,
            persistedBelow: highest + 1,
          });
    return mergeMessages(fromStream, fromDatabase, 'oldest-first').slice(0, limit);
  }

  /**
   * Oldest entries of a room strictly newer than `after`, and whether the stream is known to hold
   * all of them (see StreamSlice). One round trip.
   */
  async streamAfter(roomId: string, after: string, count: number): Promise<StreamSlice> {
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

  /**
   * Newest entries of a room strictly older than `before` (or the newest of all), newest first,
   * with the room's counter and page version, in one round trip. The counter is read BEFORE the
   * stream: when the stream then holds nothing, every message up to the counter has been drained
   * (one appended in between is numbered above it).
   */
  private async tail(
    roomId: string,
    count: number,
    before?: string,
  ): Promise<{ entries: StreamEntry[]; counter: string | null; version: string }> {
    const replies =
      (await this.redis
        .pipeline()
        .get(RedisKeys.roomSeq(roomId))
        .get(RedisKeys.roomPagesVersion(roomId))
        .xrevrange(RedisKeys.roomStream(roomId), before ? `(${before}` : '+', '-', 'COUNT', count)
        .exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    return {
      counter: replies[0]?.[1] as string | null,
      version: (replies[1]?.[1] as string | null) ?? '0',
      entries: replies[2]?.[1] as StreamEntry[],
    };
  }

  private async pagesVersion(roomId: string): Promise<string> {
    return (await this.redis.get(RedisKeys.roomPagesVersion(roomId))) ?? '0';
  }

  private decode(roomId: string, entries: StreamEntry[]): Message[] {
    return decodeEntries(entries, (id, error) =>
      this.logger.warn(`skipping undecodable stream entry ${roomId}/${id}: ${error.message}`),
    );
  }
}
