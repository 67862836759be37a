import { Injectable } from '@nestjs/common';
import { RoomAccess } from '@chat/access';
import { FileUrlSigner } from '@chat/auth';
import type { MessagePage } from '@chat/contracts';
import { MessageReader } from '@chat/message-log';

export const DEFAULT_PAGE_SIZE = 50;

/**
 * History: a page of the room's messages for a member, the unpersisted stream tail merged with
 * MongoDB (MessageReader), file links signed as it is read.
 */
@Injectable()
export class MessagesService {
  constructor(
    private readonly access: RoomAccess,
    private readonly reader: MessageReader,
    private readonly signer: FileUrlSigner,
  ) {}

  async history(
    roomId: string,
    userId: string,
    limit = DEFAULT_PAGE_SIZE,
    before?: string,
  ): Promise<MessagePage> {
    await this.access.assertMember(roomId, userId);
    const page = await this.reader.page(roomId, limit, before);
    // File links are signed at read time, so a page never carries an expired one.
    page.items.forEach((message) => this.signer.withUrl(message));
    return page;
  }
}
