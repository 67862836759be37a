import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { isLegacyRoomId, isRoomId } from '@chat/contracts';
import { MODELS } from './models.token.js';
import { isDuplicateKeyError, type Models, type RoomDoc } from './schemas.js';

export interface Room {
  id: string;
  name: string;
  createdAt: string;
}

const membershipId = (roomId: string, userId: string) => `${roomId}:${userId}`;

/**
 * The `_id` a room is stored under: a room made before UUIDs keeps its ObjectId, every other id
 * is stored as the string itself. Only ids that passed `isRoomId` get here.
 */
export function roomKey(roomId: string): string | Types.ObjectId {
  return isLegacyRoomId(roomId) ? new Types.ObjectId(roomId) : roomId;
}

const toRoom = (doc: Pick<RoomDoc, '_id' | 'name' | 'createdAt'>): Room => ({
  id: String(doc._id),
  name: doc.name,
  createdAt: doc.createdAt.toISOString(),
});

@Injectable()
export class RoomsRepository {
  constructor(@Inject(MODELS) private readonly models: Models) {}

  /** A new room's id is a UUID v4: 122 bits from the CSPRNG, nothing a client can derive. */
  async create(name: string, userId: string): Promise<Room> {
    const doc = await this.models.rooms.create({
      _id: randomUUID(),
      name,
      createdBy: userId,
      createdAt: new Date(),
    });
    const room = toRoom(doc);
    await this.addMember(room.id, userId);
    return room;
  }

  async findById(roomId: string): Promise<Room | null> {
    if (!isRoomId(roomId)) return null;
    const doc = await this.models.rooms.findById(roomKey(roomId)).lean();
    return doc ? toRoom(doc) : null;
  }

  async exists(roomId: string): Promise<boolean> {
    return isRoomId(roomId) && (await this.models.rooms.exists({ _id: roomKey(roomId) })) !== null;
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
    const keys = memberships.filter((m) => isRoomId(m.roomId)).map((m) => roomKey(m.roomId));
    const rooms = await this.models.rooms
      .find({ _id: { $in: keys } })
      .sort({ createdAt: 1 })
      .lean();
    return rooms.map(toRoom);
  }
}
