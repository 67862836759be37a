import { Inject, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '@chat/contracts';
import { MODELS } from './models.token.js';
import { isDuplicateKeyError, type Models } from './schemas.js';

export interface User {
  id: string;
  username: string;
  passwordHash: string;
}

@Injectable()
export class UsersRepository {
  constructor(@Inject(MODELS) private readonly models: Models) {}

  /** Throws CONFLICT when the username is taken (unique index, so no race). */
  async create(username: string, passwordHash: string): Promise<User> {
    try {
      const doc = await this.models.users.create({ username, passwordHash, createdAt: new Date() });
      return { id: String(doc._id), username, passwordHash };
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new AppError(ErrorCode.CONFLICT, 'username is already taken');
      throw error;
    }
  }

  async findByUsername(username: string): Promise<User | null> {
    const doc = await this.models.users.findOne({ username }).lean();
    return doc ? { id: String(doc._id), username: doc.username, passwordHash: doc.passwordHash } : null;
  }

  async findById(id: string): Promise<User | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const doc = await this.models.users.findById(id).lean();
    return doc ? { id: String(doc._id), username: doc.username, passwordHash: doc.passwordHash } : null;
  }
}
