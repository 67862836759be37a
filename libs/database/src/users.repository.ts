import { Inject, Injectable } from '@nestjs/common';
import type { Collection } from 'mongodb';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '@chat/contracts';
import { inBatches } from './batches.js';
import { insertNew, insertNewAt, upsertAgainOnce } from './insert-new.js';
import { LayoutChange, LayoutMigrations } from './layout-migrations.js';
import { MODELS } from './models.token.js';
import { isDuplicateKeyError, type Models, type UserDoc, type UsernameDoc } from './schemas.js';

export interface User {
  id: string;
  username: string;
  passwordHash: string;
}

/** Users read in one migration batch. */
const MIGRATION_BATCH = 1_000;

const toUser = (doc: Pick<UserDoc, '_id' | 'username' | 'passwordHash'>): User => ({
  id: String(doc._id),
  username: doc.username,
  passwordHash: doc.passwordHash,
});

/**
 * Users, found by id or by their username's key document (`usernames`, `_id` = the username):
 * both are primary-key reads, so a login costs the same with ten users or a million.
 */
@Injectable()
export class UsersRepository {
  constructor(
    @Inject(MODELS) private readonly models: Models,
    private readonly layout: LayoutMigrations,
  ) {}

  /**
   * Claims the username's key, then writes the user under the id the key names. Throws CONFLICT
   * when the username is taken. A key left without its user (a registration that stopped between
   * the two writes) is taken over; the unique index on `users.username` still decides between two
   * registrations racing for it, and the loser puts the key back on the winner.
   */
  async create(username: string, passwordHash: string): Promise<User> {
    const id = new Types.ObjectId();
    await this.claim(username, String(id));
    try {
      await this.models.users.create({ _id: id, username, passwordHash, createdAt: new Date() });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      await this.findByUsernameField(username);
      throw new AppError(ErrorCode.CONFLICT, 'username is already taken');
    }
    return { id: String(id), username, passwordHash };
  }

  /**
   * Bulk registration (imports, fixtures): the usernames' keys in one unordered insert, then the
   * users in another, instead of two writes per user. A username whose key exists already is
   * left out; the users created are returned. Names are expected to be new: unlike `create`, a
   * key left without its user is not taken over (that name is left out too). A user the unique
   * index refuses (one written before keys existed) has its key put back on it.
   */
  async createMany(users: { username: string; passwordHash: string }[]): Promise<User[]> {
    const fresh = users.map((user) => ({ ...user, id: new Types.ObjectId() }));
    const keys = await insertNewAt(
      this.models.usernames.collection as unknown as Collection<UsernameDoc>,
      fresh.map((user) => ({ _id: user.username, userId: String(user.id) })),
    );
    if (keys.duplicateAt.size !== keys.duplicates)
      throw new Error('the database did not say which usernames were taken');
    const claimed = fresh.filter((_, i) => !keys.duplicateAt.has(i));
    const createdAt = new Date();
    const written = await insertNewAt(
      this.models.users.collection as unknown as Collection<UserDoc>,
      claimed.map(({ id, username, passwordHash }) => ({ _id: id, username, passwordHash, createdAt })),
    );
    if (written.duplicateAt.size !== written.duplicates)
      throw new Error('the database did not say which users were refused');
    for (const i of written.duplicateAt) await this.findByUsernameField(claimed[i]!.username);
    return claimed
      .filter((_, i) => !written.duplicateAt.has(i))
      .map(({ id, username, passwordHash }) => ({ id: String(id), username, passwordHash }));
  }

  async findByUsername(username: string): Promise<User | null> {
    const key = await this.models.usernames.findById(username).lean();
    if (key) {
      const user = await this.findById(key.userId);
      if (user?.username === username) return user;
      // The key names a user that is not there (a registration cut short, or lost to a race).
      return this.findByUsernameField(username);
    }
    if (await this.layout.isFinished(LayoutChange.usernameKeys)) return null;
    return this.findByUsernameField(username);
  }

  async findById(id: string): Promise<User | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const doc = await this.models.users.findById(id).lean();
    return doc ? toUser(doc) : null;
  }

  /**
   * Migration (LayoutChange.usernameKeys): a key for every user that has none. Keys that exist
   * are left as they are, so it can run again, or beside registrations, at no harm.
   */
  async keyAllUsernames(): Promise<number> {
    let written = 0;
    const users = this.models.users.find({}, { username: 1 }).lean().cursor({ batchSize: MIGRATION_BATCH });
    await inBatches(users, MIGRATION_BATCH, async (batch) => {
      const keys = batch.map((doc) => ({ _id: doc.username, userId: String(doc._id) }));
      written += (
        await insertNew(this.models.usernames.collection as unknown as Collection<UsernameDoc>, keys)
      ).inserted;
    });
    return written;
  }

  private async claim(username: string, userId: string): Promise<void> {
    try {
      await this.models.usernames.create({ _id: username, userId });
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const holder = await this.models.usernames.findById(username).lean();
    if (holder && (await this.findById(holder.userId))) {
      throw new AppError(ErrorCode.CONFLICT, 'username is already taken');
    }
    await this.models.usernames.updateOne({ _id: username }, { $set: { userId } });
  }

  /**
   * The user by the `username` field, the one read that is not by key (an index on MongoDB, a
   * scan on FerretDB): only for a database the migration has not reached yet, and for repairs.
   * Writes the key it finds, so the next login is keyed.
   */
  private async findByUsernameField(username: string): Promise<User | null> {
    const doc = await this.models.users.findOne({ username }).lean();
    if (!doc) return null;
    await upsertAgainOnce(() =>
      this.models.usernames.updateOne(
        { _id: username },
        { $set: { userId: String(doc._id) } },
        { upsert: true },
      ),
    );
    return toUser(doc);
  }
}
