import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  compareStreamIds,
  decodeEntries,
  mergeMessages,
  type Message,
  type MessagePage,
} from '@chat/contracts';
import { MessagesRepository } from '@chat/database';
import { REDIS, RedisKeys, type RedisClient } from '@chat/redis';
import { mergePages } from './merge-pages.js';
import type { StreamEntry, StreamSlice } from './room-streams.js';

/**
 * Reads a room's messages where they are: the newest in the room's Redis stream (not yet
 * persisted), the rest in MongoDB. The one read that history (`page`) and replay (`after`) use.
 *
 * The stream is read FIRST: an entry the worker persists and deletes after that read is then
 * found in MongoDB, so no message can fall between the two reads; one that is in both (the worker
 * between its insert and its XDEL) appears once. The worker persists and deletes only the OLDEST
 * entries of a stream (a prefix), so every entry still in the stream is newer than every
 * persisted message: MongoDB is asked only when the stream alone cannot answer. Both reads are
 * bounded by the limit, and streams are per room, so a read costs the same whatever the backlog
 * of other rooms.
 */
@Injectable()
export class MessageReader {
  private readonly logger = new Logger(MessageReader.name);

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly messages: MessagesRepository,
  ) {}

  /** A page of the room's history, newest first, strictly before `before` (the newest without). */
  async page(roomId: string, limit: number, before?: string): Promise<MessagePage> {
    const entries = await this.tail(roomId, limit + 1, before);
    const fromStream = this.decode(roomId, entries);
    // Past `limit` stream entries below the cursor, all decodable, the page is complete.
    const streamFillsPage = entries.length > limit && fromStream.length === entries.length;
    const fromDatabase = streamFillsPage ? [] : await this.messages.page(roomId, limit + 1, before);
    return mergePages(fromStream, fromDatabase, limit);
  }

  /** Up to `limit` messages of the room strictly after `after`, oldest first. */
  async after(roomId: string, after: string, limit: number): Promise<Message[]> {
    const slice = await this.streamAfter(roomId, after, limit);
    const fromStream = this.decode(roomId, slice.entries);
    // The stream still reaches back to `after`: nothing of what follows it is only in MongoDB.
    if (slice.complete) return fromStream;
    const fromDatabase = await this.messages.after(roomId, after, limit);
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

  /** Newest entries of a room strictly older than `before` (or the newest of all), newest first. */
  private async tail(roomId: string, count: number, before?: string): Promise<StreamEntry[]> {
    const end = before ? `(${before}` : '+';
    return (await this.redis.xrevrange(
      RedisKeys.roomStream(roomId),
      end,
      '-',
      'COUNT',
      count,
    )) as StreamEntry[];
  }

  private decode(roomId: string, entries: StreamEntry[]): Message[] {
    return decodeEntries(entries, (id, error) =>
      this.logger.warn(`skipping undecodable stream entry ${roomId}/${id}: ${error.message}`),
    );
  }
}
