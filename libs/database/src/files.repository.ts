import { Inject, Injectable } from '@nestjs/common';
import { MODELS } from './models.token.js';
import type { FileDoc, Models } from './schemas.js';

/** Metadata of stored files. */
@Injectable()
export class FilesRepository {
  constructor(@Inject(MODELS) private readonly models: Models) {}

  async create(file: FileDoc): Promise<void> {
    await this.models.files.create(file);
  }

  async findById(id: string): Promise<FileDoc | null> {
    return this.models.files.findById(id).lean();
  }

  /** Up to `limit` files whose expiry has passed. */
  async expired(now: Date, limit: number): Promise<FileDoc[]> {
    return this.models.files
      .find({ expiresAt: { $lt: now } })
      .limit(limit)
      .lean();
  }

  async delete(id: string): Promise<boolean> {
    return (await this.models.files.deleteOne({ _id: id })).deletedCount === 1;
  }
}
