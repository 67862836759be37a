import { mergeMessages, type Message, type MessagePage } from '@chat/contracts';

/**
 * Merges the newest `limit + 1` unpersisted messages (stream tail) with the newest `limit + 1`
 * persisted ones (MongoDB) below the same cursor into one page. A message may be in both while
 * the worker is between its insert and its XDEL: it appears once. There is a next page exactly
 * when the union holds more than `limit` messages.
 */
export function mergePages(fromStream: Message[], fromDatabase: Message[], limit: number): MessagePage {
  const all = mergeMessages(fromStream, fromDatabase, 'newest-first');
  const items = all.slice(0, limit);
  return { items, nextBefore: all.length > limit ? items[items.length - 1].id : null };
}
