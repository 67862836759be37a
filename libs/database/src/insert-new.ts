import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

export interface InsertResult {
  inserted: number;
  duplicates: number;
}

interface WriteErrorLike {
  code?: number;
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
  if (!docs.length) return { inserted: 0, duplicates: 0 };
  try {
    const result = await collection.insertMany(docs, { ordered: false });
    return { inserted: result.insertedCount, duplicates: 0 };
  } catch (error) {
    const writeErrors = (error as { writeErrors?: WriteErrorLike | WriteErrorLike[] }).writeErrors;
    const list = writeErrors === undefined ? [] : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
    const onlyDuplicates =
      list.length > 0 &&
      list.every((e) => e.code === 11000) &&
      !(error as { writeConcernError?: unknown }).writeConcernError;
    if (!onlyDuplicates) throw error;
    return { inserted: docs.length - list.length, duplicates: list.length };
  }
}
