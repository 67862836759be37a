import { LRUCache } from 'lru-cache';
import type { Message } from '@chat/contracts';

/**
 * What a reader knows, from Redis and before it reads MongoDB, about the room's pages:
 * - `version`: the room's page version (see RedisKeys.roomPagesVersion), changed by every write
 *   that takes a message out of a page or changes one (retention); appends do not change it.
 * - `persistedBelow`: every message numbered below it had been persisted (and so written into
 *   its page) before this request began: the stream is drained oldest first, and an entry
 *   leaves it only after its insert.
 */
export interface PagesView {
  version: string;
  persistedBelow: number;
}

interface CachedPage {
  version: string;
  /** The `persistedBelow` of the request that read it from MongoDB: complete below that. */
  completeBelow: number;
  messages: readonly Message[];
}

/** Bytes of page JSON one process keeps (LRU), and how long it keeps an entry at most. */
const PAGE_CACHE_BYTES = 16 * 1024 * 1024;
const PAGE_TTL_MS = 10 * 60_000;
/** Message numbers remembered for `before`/`after` cursors (a number never changes). */
const SEQ_CACHE_MAX = 100_000;

/**
 * History pages kept in this process, so that the pages every reader of a busy room asks for
 * are read from MongoDB once, not once per request. A page read at some moment holds every
 * message numbered below that moment's `persistedBelow` (appends only add numbers above it) as
 * long as the room's page version has not changed; so an entry is used only for numbers below
 * its `completeBelow`, and only under the version it was read at. Whatever is handed out is a
 * copy (the api fills in file links). The time limit bounds what a lost Redis (a version back
 * at its start) could leave stale.
 */
export class PageCache {
  private readonly pages = new LRUCache<string, CachedPage>({
    maxSize: PAGE_CACHE_BYTES,
    ttl: PAGE_TTL_MS,
  });

  private readonly seqs = new LRUCache<string, number>({ max: SEQ_CACHE_MAX });

  /** The page's messages when the cached copy answers numbers up to `upTo` under `view`. */
  get(key: string, view: PagesView, upTo: number): Message[] | undefined {
    const page = this.pages.get(key);
    if (!page || page.version !== view.version || upTo >= page.completeBelow) return undefined;
    return page.messages.map(copy);
  }

  /** Keeps a page read from MongoDB under `view`, `bytes` long as stored. */
  set(key: string, view: PagesView, messages: Message[], bytes: number): void {
    if (bytes > PAGE_CACHE_BYTES / 8) return;
    const page = { version: view.version, completeBelow: view.persistedBelow, messages: messages.map(copy) };
    this.pages.set(key, page, { size: Math.max(1, bytes) });
    for (const message of messages) this.seqs.set(`${message.roomId}:${message.id}`, message.seq!);
  }

  /** The number of a message seen in a page, if any. */
  seqOf(roomId: string, id: string): number | undefined {
    return this.seqs.get(`${roomId}:${id}`);
  }
}

function copy(message: Message): Message {
  return message.file ? { ...message, file: { ...message.file } } : { ...message };
}
