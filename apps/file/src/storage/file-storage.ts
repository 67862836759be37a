import type { Readable, Writable } from 'node:stream';

/** DI token of the FileStorage implementation. */
export const FILE_STORAGE = Symbol('FILE_STORAGE');

export interface TempUpload {
  key: string;
  stream: Writable;
}

/**
 * Where file bytes live. Uploads are written to a temporary object and committed under their
 * final key only once checked, so a half-received or rejected upload is never visible.
 * LocalDiskStorage is the one implementation today; a shared volume works as it is, and an
 * object store (S3 and the like) implements these five methods with multipart upload + copy.
 */
export interface FileStorage {
  createTemp(id: string): Promise<TempUpload>;
  commit(tempKey: string, key: string): Promise<void>;
  discard(tempKey: string): Promise<void>;
  size(key: string): Promise<number>;
  /** Stores a small object (a thumbnail) under its final key, atomically. */
  put(key: string, data: Buffer): Promise<void>;
  read(key: string, range?: { start: number; end: number }): Readable;
  remove(key: string): Promise<void>;
}
