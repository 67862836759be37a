import type { AnyBulkWriteOperation, Document, UpdateFilter } from 'mongodb';

/**
 * One statement of a bulk write that updates the document with this `_id`. `updateMany`, not
 * `updateOne`, although an `_id` matches at most one document: FerretDB 1.24 keeps the SQLite
 * connection of every matched `updateOne` statement open until its whole command ends (it stops
 * reading after the one row), and needs one more connection per statement, so a command of 100
 * or more matched statements waited forever on its pool of 100 (the worker's drain, with pages
 * of that many rooms in one batch). A multi update reads to the end and frees its connection.
 * On MongoDB the two are the same for a unique key, upsert included.
 */
export function updateById<T extends Document>(
  id: unknown,
  update: UpdateFilter<T>,
  upsert = false,
): AnyBulkWriteOperation<T> {
  return { updateMany: { filter: { _id: id } as never, update, upsert } };
}
