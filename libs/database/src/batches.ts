/**
 * Hands `items` to `handle` `size` at a time, the last batch possibly shorter, one batch after
 * the other: how a migration passes over a collection with bounded memory.
 */
export async function inBatches<T>(
  items: AsyncIterable<T>,
  size: number,
  handle: (batch: T[]) => Promise<void>,
): Promise<void> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      await handle(batch);
      batch = [];
    }
  }
  if (batch.length) await handle(batch);
}
