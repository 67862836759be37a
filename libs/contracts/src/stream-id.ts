/**
 * Redis stream ids ("<ms>-<seq>") order the messages of one room. They compare numerically,
 * not as strings, so every comparison and every sortable key goes through here.
 */
const STREAM_ID = /^(\d{1,15})-(\d{1,10})$/;

export interface ParsedStreamId {
  ms: number;
  seq: number;
}

export function parseStreamId(id: string): ParsedStreamId | null {
  const match = STREAM_ID.exec(id);
  if (!match) return null;
  return { ms: Number(match[1]), seq: Number(match[2]) };
}

export function isStreamId(id: unknown): id is string {
  return typeof id === 'string' && STREAM_ID.test(id);
}

/** Negative when a is older than b. Both must be valid stream ids. */
export function compareStreamIds(a: string, b: string): number {
  const pa = parseStreamId(a)!;
  const pb = parseStreamId(b)!;
  return pa.ms - pb.ms || pa.seq - pb.seq;
}

/** Fixed-width form that sorts as a string the way the id sorts as a number. */
export function sortableStreamId(id: string): string {
  const parsed = parseStreamId(id);
  if (!parsed) throw new Error(`not a stream id: ${id}`);
  return `${String(parsed.ms).padStart(15, '0')}-${String(parsed.seq).padStart(10, '0')}`;
}

/** The time a stream id was assigned, which is the message's createdAt. */
export function streamIdTime(id: string): Date {
  return new Date(parseStreamId(id)!.ms);
}

/**
 * The union of two lists of one room's messages, each id once (a message can be in the stream and
 * in MongoDB while the worker is between its insert and its XDEL), sorted by id.
 */
export function mergeMessages<T extends { id: string }>(
  a: T[],
  b: T[],
  order: 'oldest-first' | 'newest-first',
): T[] {
  const byId = new Map<string, T>();
  for (const message of a) byId.set(message.id, message);
  for (const message of b) if (!byId.has(message.id)) byId.set(message.id, message);
  const sign = order === 'oldest-first' ? 1 : -1;
  return [...byId.values()].sort((x, y) => sign * compareStreamIds(x.id, y.id));
}
