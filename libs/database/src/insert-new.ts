import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

export interface InsertResult {
  inserted: number;
  duplicates: number;
}

interface WriteErrorLike {
  code?: number;
  index?: number;
}

/**
 * Unordered bulk insert of documents with chosen keys. Duplicate-key errors mean "already
 * there" and are counted, not thrown; any other error is thrown, so the caller can retry the
 * whole batch (inserting the same keys again is harmless).
 */
export async function insertNew<T extends Document>(
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
): Promise<InsertResult> {
  const { inserted, duplicates } = await insertNewAt(collection, docs);
  return { inserted, duplicates };
}

/** insertNew, also telling which documents (their positions in `docs`) were there already. */
export async function insertNewAt<T extends Document>(
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
): Promise<InsertResult & { duplicateAt: Set<number> }> {
  if (!docs.length) return { inserted: 0, duplicates: 0, duplicateAt: new Set() };
  try {
    const result = await collection.insertMany(docs, { ordered: false });
    return { inserted: result.insertedCount, duplicates: 0, duplicateAt: new Set() };
  } catch (error) {
    const writeErrors = (error as { writeErrors?: WriteErrorLike | WriteErrorLike[] }).writeErrors;
    const list = writeErrors === undefined ? [] : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
    const onlyDuplicates =
      list.length > 0 &&
      list.every((e) => e.code === 11000) &&
      !(error as { writeConcernError?: unknown }).writeConcernError;
    if (!onlyDuplicates) throw error;
    return {
      inserted: docs.length - list.length,
      duplicates: list.length,
      duplicateAt: new Set(list.flatMap((e) => (typeof e.index === 'number' ? [e.index] : []))),
    };
  }
}

/**
 * Runs an idempotent upsert, and once more if it fails: two upserts of one new `_id` at once
 * may both try to insert, and the loser fails (MongoDB with a duplicate key, FerretDB with code
 * 1). Sent again, it finds the document and updates it. A second failure is thrown.
 */
export async function upsertAgainOnce<T>(upsert: () => Promise<T>): Promise<T> {
  try {
    return await upsert();
  } catch {
    return upsert();
  }
}
