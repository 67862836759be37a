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

  /**
   * Up to `limit` files created before `cutoff` that no message has been seen to refer to yet,
   * in id order after `after` (a cursor: candidates the caller leaves alone are not read again).
   */
  async unattached(cutoff: Date, after: string, limit: number): Promise<FileDoc[]> {
    return this.models.files
      .find({ attachedAt: null, createdAt: { $lt: cutoff }, _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(limit)
      .lean();
  }

  /** Records that messages refer to these files, so that the orphan sweep skips them from now on. */
  async markAttached(ids: string[], at: Date): Promise<void> {
    if (ids.length) await this.models.files.updateMany({ _id: { $in: ids } }, { $set: { attachedAt: at } });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.models.files.deleteOne({ _id: id })).deletedCount === 1;
  }
}
