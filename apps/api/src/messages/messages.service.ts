import { Injectable, Logger } from '@nestjs/common';
import { RoomAccess } from '@chat/access';
import { FileUrlSigner } from '@chat/auth';
import { decodeEntries, type MessagePage } from '@chat/contracts';
import { MessagesRepository } from '@chat/database';
import { ChatStreamRepository } from '@chat/redis';
import { mergePages } from './merge-pages.js';

export const DEFAULT_PAGE_SIZE = 50;

/**
 * History is the room's stream tail (not yet persisted) merged with MongoDB. The stream is read
 * FIRST: an entry the worker persists and XDELs after that read is then found in MongoDB, so no
 * message can fall between the two reads. Both reads are bounded by `limit`, and streams are per
 * room, so a page costs the same whatever the backlog of other rooms.
 *
 * The worker persists and deletes only the OLDEST entries of a stream (a prefix), so every entry
 * still in the stream is newer than every persisted message. When the tail alone holds more than
 * `limit` entries below the cursor, the page is complete without asking MongoDB.
 */
@Injectable()
export class MessagesService {
  private readonly logger = new Logger(MessagesService.name);

  constructor(
    private readonly access: RoomAccess,
    private readonly stream: ChatStreamRepository,
    private readonly messages: MessagesRepository,
    private readonly signer: FileUrlSigner,
  ) {}

  async history(
    roomId: string,
    userId: string,
    limit = DEFAULT_PAGE_SIZE,
    before?: string,
  ): Promise<MessagePage> {
    await this.access.assertMember(roomId, userId);
    const entries = await this.stream.tail(roomId, limit + 1, before);
    const fromStream = decodeEntries(entries, (id, error) =>
      this.logger.warn(`skipping undecodable stream entry ${roomId}/${id}: ${error.message}`),
    );
    const streamFillsPage = entries.length > limit && fromStream.length === entries.length;
    const fromDatabase = streamFillsPage ? [] : await this.messages.page(roomId, limit + 1, before);
    const page = mergePages(fromStream, fromDatabase, limit);
    // File links are signed at read time, so a page never carries an expired one.
    page.items.forEach((message) => this.signer.withUrl(message));
    return page;
  }
}
