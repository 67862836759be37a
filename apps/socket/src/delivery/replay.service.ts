import { Injectable, Logger } from '@nestjs/common';
import { decodeEntries, mergeMessages, type Message } from '@chat/contracts';
import { MessagesRepository } from '@chat/database';
import { ChatStreamRepository } from '@chat/redis';

/**
 * Reads a room's messages after a given id, oldest first, from the unpersisted stream and from
 * MongoDB. The stream is read FIRST: an entry the worker persists and deletes after that read is
 * then found in MongoDB, so nothing falls between the two reads. MongoDB is asked only when the
 * stream no longer reaches back to the id (the worker drained part of what follows it).
 */
@Injectable()
export class ReplayService {
  private readonly logger = new Logger(ReplayService.name);

  constructor(
    private readonly stream: ChatStreamRepository,
    private readonly messages: MessagesRepository,
  ) {}

  /** Up to `limit` messages of the room strictly after `after`, oldest first. */
  async after(roomId: string, after: string, limit: number): Promise<Message[]> {
    const slice = await this.stream.after(roomId, after, limit);
    const fromStream = decodeEntries(slice.entries, (id, error) =>
      this.logger.warn(`skipping undecodable stream entry ${roomId}/${id}: ${error.message}`),
    );
    if (slice.complete) return fromStream;
    const fromDatabase = await this.messages.after(roomId, after, limit);
    return mergeMessages(fromStream, fromDatabase, 'oldest-first').slice(0, limit);
  }
}
