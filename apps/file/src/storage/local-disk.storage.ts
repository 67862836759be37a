import { Inject, Injectable } from '@nestjs/common';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import type { FileStorage, TempUpload } from './file-storage.js';

const KEY = /^[a-z0-9]{2}\/[a-z0-9]{32}(\.thumb)?\.[a-z0-9]{1,8}$/;

/**
 * Files on a local (or shared) disk under FILE_STORAGE_DIR. Keys are server-generated
 * ("ab/<32 hex>.<ext>") and checked again here, so no client string ever becomes a path.
 * Commit is a rename within one filesystem: atomic.
 */
@Injectable()
export class LocalDiskStorage implements FileStorage {
  private readonly root: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.root = config.fileStorageDir;
  }

  private path(key: string): string {
    if (!KEY.test(key) && !/^tmp\/[a-z0-9]{32}$/.test(key))
      throw new Error(`invalid storage key ${JSON.stringify(key)}`);
    const path = resolve(this.root, key);
    if (relative(this.root, path).startsWith('..') || !path.startsWith(this.root + sep))
      throw new Error('key escapes storage');
    return path;
  }

  async createTemp(id: string): Promise<TempUpload> {
    const key = `tmp/${id}`;
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    return { key, stream: createWriteStream(path, { flags: 'wx', mode: 0o600 }) };
  }

  async commit(tempKey: string, key: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(this.path(tempKey), target);
  }

  async discard(tempKey: string): Promise<void> {
    await rm(this.path(tempKey), { force: true });
  }

  async size(key: string): Promise<number> {
    return (await stat(this.path(key))).size;
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    await writeFile(temp, data, { mode: 0o600 });
    await rename(temp, target);
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.path(key), range);
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  /** For tests and diagnostics: where a key lives on disk. */
  locate(key: string): string {
    return join(this.path(key));
  }
}
