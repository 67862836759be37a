import { Inject, Injectable } from '@nestjs/common';
import type { Collection } from 'mongodb';
import { publicFile, sortableStreamId, type Message } from '@chat/contracts';
import { insertNew, type InsertResult } from './insert-new.js';
import { MODELS } from './models.token.js';
import type { MessageDoc, Models } from './schemas.js';

export function messageKey(roomId: string, id: string): string {
  return `${roomId}:${sortableStreamId(id)}`;
}

export function toMessageDoc(message: Message): MessageDoc {
  const doc: MessageDoc = {
    _id: messageKey(message.roomId, message.id),
    id: message.id,
    roomId: message.roomId,
    senderId: message.senderId,
    senderName: message.senderName,
    content: message.content,
    clientMsgId: message.clientMsgId,
    createdAt: new Date(message.createdAt),
  };
  if (message.file) {
    const { id, name, mime, size, thumbnailUrl } = message.file;
    doc.file = { id, name, mime, size, ...(thumbnailUrl !== undefined && { thumbnail: true }) };
  }
  return doc;
}

function toMessage(doc: MessageDoc): Message {
  const message: Message = {
    id: doc.id,
    roomId: doc.roomId,
    senderId: doc.senderId,
    senderName: doc.senderName,
    content: doc.content,
    clientMsgId: doc.clientMsgId,
    createdAt: doc.createdAt.toISOString(),
  };
  if (doc.file) message.file = publicFile(doc.file);
  return message;
}

/** Persisted messages. Uses the driver's collection directly: no per-document hydration. */
@Injectable()
export class MessagesRepository {
  private readonly collection: Collection<MessageDoc>;

  constructor(@Inject(MODELS) models: Models) {
    this.collection = models.messages.collection as unknown as Collection<MessageDoc>;
  }

  /**
   * Unordered bulk insert. Duplicate-key errors mean "already persisted" and are tolerated;
   * any other error is thrown so the caller keeps the entries and retries.
   */
  insertMany(messages: Message[]): Promise<InsertResult> {
    return insertNew(this.collection, messages.map(toMessageDoc));
  }

  /** Newest persisted messages of a room strictly older than `before`, newest first. */
  async page(roomId: string, limit: number, before?: string): Promise<Message[]> {
    const upper = before ? messageKey(roomId, before) : `${roomId};`;
    const docs = await this.collection
      .find({ _id: { $gt: `${roomId}:`, $lt: upper } })
      .sort({ _id: -1 })
      .limit(limit)
      .toArray();
    return docs.map(toMessage);
  }

  /** Oldest persisted messages of a room strictly newer than `after`, oldest first. */
  async after(roomId: string, after: string, limit: number): Promise<Message[]> {
    const docs = await this.collection
      .find({ _id: { $gt: messageKey(roomId, after), $lt: `${roomId};` } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toMessage);
  }

  /**
   * Deletes up to `batch` messages created before `cutoff`; returns how many. Bounded so that a
   * large purge is many short operations, never one long one.
   */
  async deleteOlderThan(cutoff: Date, batch: number): Promise<number> {
    const ids = await this.collection
      .find({ createdAt: { $lt: cutoff } }, { projection: { _id: 1 } })
      .limit(batch)
      .toArray();
    if (!ids.length) return 0;
    const result = await this.collection.deleteMany({ _id: { $in: ids.map((doc) => doc._id) } });
    return result.deletedCount;
  }

  /**
   * Which of `fileIds` (files of the room) persisted messages of the room created since `since`
   * refer to. A range of the room's keys (the primary-key index), filtered on the file id: no
   * index on `file.id` is kept just for this, so the drain's inserts pay nothing for it.
   */
  async referencedFiles(roomId: string, fileIds: string[], since: Date): Promise<Set<string>> {
    if (!fileIds.length) return new Set();
    const from = messageKey(roomId, `${Math.max(0, since.getTime())}-0`);
    const docs = await this.collection
      .find(
        { _id: { $gte: from, $lt: `${roomId};` }, 'file.id': { $in: fileIds } },
        { projection: { file: 1 } },
      )
      .toArray();
    return new Set(docs.map((doc) => doc.file!.id));
  }

  async countInRoom(roomId: string): Promise<number> {
    return this.collection.countDocuments({ roomId });
  }
}
