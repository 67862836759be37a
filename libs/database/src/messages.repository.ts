import { Inject, Injectable } from '@nestjs/common';
import type { Collection } from 'mongodb';
import { compareStreamIds, publicFile, sortableStreamId, type Message } from '@chat/contracts';
import { inBatches } from './batches.js';
import { insertNew, upsertAgainOnce, type InsertResult } from './insert-new.js';
import { MODELS } from './models.token.js';
import { updateById } from './update-by-id.js';
import { PageCache, type PagesView } from './page-cache.js';
import type { MessageDoc, MessagePageDoc, Models, RoomHeadDoc } from './schemas.js';

export function messageKey(roomId: string, id: string): string {
  return `${roomId}:${sortableStreamId(id)}`;
}

/**
 * Messages per page document: page `p` of a room holds the messages numbered `p * PAGE_SIZE` to
 * `p * PAGE_SIZE + PAGE_SIZE - 1`, so a history page of up to 100 is two or three keyed reads.
 */
export const PAGE_SIZE = 50;

export const pageOf = (seq: number) => Math.floor(seq / PAGE_SIZE);

const pageKey = (roomId: string, page: number) => `${roomId}:${page}`;

/**
 * A message's field in its page: its number and its stream id. The id makes two messages that
 * got one number (after Redis lost a counter that MongoDB had not caught up with) two fields,
 * so neither overwrites the other.
 */
const pageField = (seq: number, id: string) => `m.${seq}_${sortableStreamId(id)}`;

/** The messages the layout migration numbers: without a number, or numbered below 1 by it. */
const BELOW_ONE = { seq: { $not: { $gt: 0 } } };

/** Messages the layout migration numbers in one write. */
const MIGRATION_BATCH = 1_000;

/** Page reads one request may make before it asks the id range instead (a room with big gaps). */
const MAX_PAGE_READS = 6;

export function toMessageDoc(message: Message): MessageDoc {
  const doc: MessageDoc = {
    _id: messageKey(message.roomId, message.id),
    id: message.id,
    roomId: message.roomId,
    ...(message.seq !== undefined && { seq: message.seq }),
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

function toMessage(doc: Omit<MessageDoc, '_id' | 'createdAt'> & { createdAt: Date | string }): Message {
  const message: Message = {
    id: doc.id,
    roomId: doc.roomId,
    ...(doc.seq !== undefined && { seq: doc.seq }),
    senderId: doc.senderId,
    senderName: doc.senderName,
    content: doc.content,
    clientMsgId: doc.clientMsgId,
    createdAt: typeof doc.createdAt === 'string' ? doc.createdAt : doc.createdAt.toISOString(),
  };
  if (doc.file) message.file = publicFile(doc.file);
  return message;
}

/**
 * A message as its page keeps it: the stored document as one JSON string. One string field per
 * message, not a sub-document, because FerretDB converts every field of a document it reads: a
 * page of 50 messages as strings reads about four times faster than as sub-documents.
 */
function pageEntry(message: Message): string {
  const { _id, ...doc } = toMessageDoc(message);
  return JSON.stringify({ ...doc, createdAt: message.createdAt });
}

/** Persisted messages. Uses the driver's collection directly: no per-document hydration. */
@Injectable()
export class MessagesRepository {
  private readonly collection: Collection<MessageDoc>;

  private readonly pages: Collection<MessagePageDoc>;
  private readonly heads: Collection<RoomHeadDoc>;
  private readonly cache = new PageCache();

  constructor(@Inject(MODELS) models: Models) {
    this.collection = models.messages.collection as unknown as Collection<MessageDoc>;
    this.pages = models.messagePages.collection as unknown as Collection<MessagePageDoc>;
    this.heads = models.roomHeads.collection as unknown as Collection<RoomHeadDoc>;
  }

  /**
   * Persists a batch: each message as its own document (keyed by room and stream id: what a
   * message id is looked up by) and into its room's page (what history reads). Unordered;
   * duplicate-key errors mean "already persisted" and are tolerated, any other error is thrown
   * so the caller keeps the entries and retries (both writes are idempotent).
   */
  async insertMany(messages: Message[]): Promise<InsertResult> {
    const [result] = await Promise.all([
      insertNew(this.collection, messages.map(toMessageDoc)),
      this.writePages(messages),
    ]);
    return result;
  }

  /**
   * Writes numbered messages into their rooms' pages, and raises each room's head to its highest
   * number. Setting a message's field in its page twice writes the same value, so a batch can be
   * written again after a failure. Messages without a number (stored before rooms had numbers)
   * are left to the layout migration.
   */
  private async writePages(messages: Message[], raiseHeads = true): Promise<void> {
    const pages = new Map<string, Record<string, string>>();
    const heads = new Map<string, number>();
    for (const message of messages) {
      if (message.seq === undefined) continue;
      const key = pageKey(message.roomId, pageOf(message.seq));
      const fields = pages.get(key) ?? {};
      fields[pageField(message.seq, message.id)] = pageEntry(message);
      pages.set(key, fields);
      heads.set(message.roomId, Math.max(heads.get(message.roomId) ?? -Infinity, message.seq));
    }
    if (!pages.size) return;
    await upsertAgainOnce(() =>
      this.pages.bulkWrite(
        [...pages].map(([key, fields]) => updateById<MessagePageDoc>(key, { $set: fields }, true)),
        { ordered: false },
      ),
    );
    if (!raiseHeads) return;
    await upsertAgainOnce(() =>
      this.heads.bulkWrite(
        [...heads].map(([roomId, seq]) => updateById<RoomHeadDoc>(roomId, { $max: { seq } }, true)),
        { ordered: false },
      ),
    );
  }

  /** The highest number of the room's persisted messages, 0 when it has none. */
  async highestSeq(roomId: string): Promise<number> {
    return Math.max(0, (await this.heads.findOne({ _id: roomId }))?.seq ?? 0);
  }

  /**
   * Migration (LayoutChange.messageNumbers): numbers the messages stored before rooms had
   * numbers, below the numbered ones: a room's newest such message gets -1, the one before it
   * -2, and so on (0 stays unused, so these pages are never the pages new messages go to), then
   * writes them into their pages. Two passes over the messages (their keys first, to know each
   * room's order); the numbers follow from the keys alone, so running it again writes the same.
   * Returns each such room's lowest number.
   */
  async numberUnnumbered(): Promise<Map<string, number>> {
    // Every message below number 1, numbered by an earlier run or not, so a run after one that
    // stopped half-way gives each the same number again.
    const keysByRoom = new Map<string, string[]>();
    const unfinished = new Set<string>();
    const keys = this.collection.find(BELOW_ONE, { projection: { _id: 1, roomId: 1, seq: 1 } });
    for await (const doc of keys) {
      if (doc.seq === undefined) unfinished.add(doc.roomId);
      const list = keysByRoom.get(doc.roomId) ?? [];
      list.push(doc._id);
      keysByRoom.set(doc.roomId, list);
    }
    const numbers = new Map<string, number>();
    const lowest = new Map<string, number>();
    for (const [roomId, list] of keysByRoom) {
      lowest.set(roomId, -list.length);
      if (!unfinished.has(roomId)) continue;
      list.sort();
      list.forEach((key, i) => numbers.set(key, i - list.length));
    }
    const numbered = async function* (docs: AsyncIterable<MessageDoc>) {
      for await (const doc of docs) {
        const seq = numbers.get(doc._id);
        if (seq !== undefined) yield { ...toMessage(doc), seq };
      }
    };
    await inBatches(numbered(this.collection.find(BELOW_ONE)), MIGRATION_BATCH, async (batch) => {
      // Pages first: a run that stops in between leaves the messages unnumbered, and the next
      // run gives them the same numbers and writes their pages again.
      await this.writePages(batch, false);
      await upsertAgainOnce(() =>
        this.collection.bulkWrite(
          batch.map((message) =>
            updateById<MessageDoc>(messageKey(message.roomId, message.id), { $set: { seq: message.seq } }),
          ),
          { ordered: false },
        ),
      );
    });
    return lowest;
  }

  /**
   * The persisted messages of the room numbered `from` to `to` (inclusive), newest first: the
   * pages that hold them, each from this process's cache when `view` says it still answers, else
   * one keyed read, in parallel.
   */
  private async numbered(roomId: string, from: number, to: number, view?: PagesView): Promise<Message[]> {
    const reads: Array<Promise<Message[]>> = [];
    for (let page = pageOf(to); page >= pageOf(from); page--)
      reads.push(this.readPage(pageKey(roomId, page), Math.min(to, (page + 1) * PAGE_SIZE - 1), view));
    const messages = (await Promise.all(reads))
      .flat()
      .filter((message) => message.seq! >= from && message.seq! <= to);
    return messages.sort((a, b) => b.seq! - a.seq! || compareStreamIds(b.id, a.id));
  }

  private async readPage(key: string, upTo: number, view?: PagesView): Promise<Message[]> {
    const cached = view && this.cache.get(key, view, upTo);
    if (cached) return cached;
    const doc = await this.pages.findOne({ _id: key });
    const fields = Object.values(doc?.m ?? {});
    const messages = fields.map((json) => toMessage(JSON.parse(json) as MessageDoc));
    if (view)
      this.cache.set(
        key,
        view,
        messages,
        fields.reduce((bytes, json) => bytes + json.length, 0),
      );
    return messages;
  }

  /**
   * Up to `count` persisted messages of the room numbered below `upper`, newest first, down to
   * `lowest` (1, or below for a room whose older messages were numbered later): the pages
   * holding the `count` numbers below `upper`, then, where numbers are missing (dead letters,
   * retention), the pages below, until `count` are found; past MAX_PAGE_READS pages, the rest
   * by id range below the last found (or `belowId`, the id that number `upper` belongs to), so a
   * request never walks a long gap page by page.
   */
  async numberedBelow(
    roomId: string,
    upper: number,
    count: number,
    lowest = 1,
    belowId?: string,
    view?: PagesView,
  ): Promise<Message[]> {
    const found: Message[] = [];
    // Number `upper` itself may belong to two messages (see pageField): the one older than
    // `belowId` is below the cursor too.
    const below = (m: Message) =>
      m.seq! < upper || (belowId !== undefined && compareStreamIds(m.id, belowId) < 0);
    let reads = 0;
    let to = belowId === undefined ? upper - 1 : upper;
    for (; found.length < count && to >= lowest && reads < MAX_PAGE_READS; reads++) {
      const from = Math.max(lowest, to - Math.max(count - found.length, PAGE_SIZE) + 1);
      found.push(...(await this.numbered(roomId, from, to, view)).filter(below));
      to = from - 1;
    }
    if (found.length < count && to >= lowest) {
      // A long run of missing numbers (retention, dead letters): the rest by id range instead.
      const older = await this.page(roomId, count - found.length, found[found.length - 1]?.id ?? belowId);
      found.push(...older.filter((m) => m.seq !== undefined && m.seq >= lowest && below(m)));
    }
    return found;
  }

  /**
   * Up to `count` persisted messages of the room numbered above `lower` (the number of the
   * message `afterId`), oldest first, up to `highest`: the pages holding them, stepping over
   * missing numbers; past MAX_PAGE_READS pages, the rest by id range.
   */
  async numberedAbove(
    roomId: string,
    lower: number,
    count: number,
    highest: number,
    afterId: string,
    view?: PagesView,
  ): Promise<Message[]> {
    const found: Message[] = [];
    // Number `lower` itself may belong to two messages (see pageField): the newer one is after.
    const above = (m: Message) => m.seq! > lower || compareStreamIds(m.id, afterId) > 0;
    let reads = 0;
    let from = lower;
    for (; found.length < count && from <= highest && reads < MAX_PAGE_READS; reads++) {
      const to = Math.min(highest, from + Math.max(count - found.length, PAGE_SIZE) - 1);
      found.push(...(await this.numbered(roomId, from, to, view)).filter(above).reverse());
      from = to + 1;
    }
    if (found.length < count && from <= highest) {
      const newer = await this.after(roomId, found[found.length - 1]?.id ?? afterId, count - found.length);
      found.push(...newer.filter((m) => m.seq !== undefined && above(m)));
    }
    return found.slice(0, count);
  }

  /** The number of a persisted message, or null when it is unknown or has none. */
  async seqOf(roomId: string, id: string): Promise<number | null> {
    const known = this.cache.seqOf(roomId, id);
    if (known !== undefined) return known;
    const doc = await this.collection.findOne({ _id: messageKey(roomId, id) }, { projection: { seq: 1 } });
    return doc?.seq ?? null;
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
   * Deletes up to `batch` messages created before `cutoff`; returns how many, and the rooms whose
   * pages it changed (their page version must change: see PageVersions). `numberedOnly`
   * leaves messages without a number alone (while the layout migration may be writing their
   * pages, which a deletion would then leave behind). Bounded so that a
   * large purge is many short operations, never one long one.
   */
  async deleteOlderThan(
    cutoff: Date,
    batch: number,
    numberedOnly = false,
  ): Promise<{ deleted: number; rooms: string[] }> {
    const found = await this.collection
      .find({ createdAt: { $lt: cutoff } }, { projection: { _id: 1, id: 1, roomId: 1, seq: 1 } })
      .limit(batch)
      .toArray();
    const ids = numberedOnly ? found.filter((doc) => doc.seq !== undefined) : found;
    if (!ids.length) return { deleted: 0, rooms: [] };
    // Out of their pages first: a run that stops in between finds the documents again.
    const unset = new Map<string, Record<string, ''>>();
    for (const { id, roomId, seq } of ids) {
      if (seq === undefined) continue;
      const key = pageKey(roomId, pageOf(seq));
      unset.set(key, { ...unset.get(key), [pageField(seq, id)]: '' });
    }
    if (unset.size) {
      await this.pages.bulkWrite(
        [...unset].map(([key, fields]) => updateById<MessagePageDoc>(key, { $unset: fields })),
        { ordered: false },
      );
    }
    const result = await this.collection.deleteMany({ _id: { $in: ids.map((doc) => doc._id) } });
    return { deleted: result.deletedCount, rooms: [...new Set(ids.map((doc) => doc.roomId))] };
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
