import { Inject, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { isObjectIdString } from '@chat/contracts';
import { MODELS } from './models.token.js';
import { isDuplicateKeyError, type Models } from './schemas.js';

export interface Room {
  id: string;
  name: string;
  createdAt: string;
}

const membershipId = (roomId: string, userId: string) => `${roomId}:${userId}`;

@Injectable()
export class RoomsRepository {
  constructor(@Inject(MODELS) private readonly models: Models) {}

  async create(name: string, userId: string): Promise<Room> {
    const doc = await this.models.rooms.create({ name, createdBy: userId, createdAt: new Date() });
    const room = { id: String(doc._id), name: doc.name, createdAt: doc.createdAt.toISOString() };
    await this.addMember(room.id, userId);
    return room;
  }

  async findById(roomId: string): Promise<Room | null> {
    if (!isObjectIdString(roomId)) return null;
    const doc = await this.models.rooms.findById(roomId).lean();
    return doc ? { id: String(doc._id), name: doc.name, createdAt: doc.createdAt.toISOString() } : null;
  }

  async exists(roomId: string): Promise<boolean> {
    return isObjectIdString(roomId) && (await this.models.rooms.exists({ _id: roomId })) !== null;
  }

  /** Idempotent: joining twice keeps one membership. */
  async addMember(roomId: string, userId: string): Promise<void> {
    try {
      await this.models.memberships.create({
        _id: membershipId(roomId, userId),
        roomId,
        userId,
        joinedAt: new Date(),
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  async isMember(roomId: string, userId: string): Promise<boolean> {
    return (await this.models.memberships.exists({ _id: membershipId(roomId, userId) })) !== null;
  }

  async listForUser(userId: string): Promise<Room[]> {
    const memberships = await this.models.memberships.find({ userId }, { roomId: 1 }).lean();
    if (!memberships.length) return [];
    const ids = memberships.map((m) => new Types.ObjectId(m.roomId));
    const rooms = await this.models.rooms
      .find({ _id: { $in: ids } })
      .sort({ createdAt: 1 })
      .lean();
    return rooms.map((doc) => ({
      id: String(doc._id),
      name: doc.name,
      createdAt: doc.createdAt.toISOString(),
    }));
  }
}
