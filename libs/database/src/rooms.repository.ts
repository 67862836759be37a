import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { Types } from 'mongoose';
import { isLegacyRoomId, isRoomId } from '@chat/contracts';
import { inBatches } from './batches.js';
import { insertNew, insertNewAt, upsertAgainOnce } from './insert-new.js';
import { KeyedQueue } from './keyed-queue.js';
import { LayoutChange, LayoutMigrations } from './layout-migrations.js';
import { MODELS } from './models.token.js';
import { updateById } from './update-by-id.js';
import {
  isDuplicateKeyError,
  type MembershipDoc,
  type Models,
  type RoomDoc,
  type UserRoomsDoc,
} from './schemas.js';

export interface Room {
  id: string;
  name: string;
  createdAt: string;
}

const membershipId = (roomId: string, userId: string) => `${roomId}:${userId}`;

/**
 * Rooms kept in this process for the room list: at most this many, each for at most ROOM_TTL_MS.
 * A room does not change after it is made, so the time limit only bounds how long a room that
 * is gone from the database can still be listed.
 */
const ROOM_CACHE_MAX = 100_000;
const ROOM_TTL_MS = 60_000;

/** Memberships read in one migration batch. */
const MIGRATION_BATCH = 1_000;

/**
 * The `_id` a room is stored under: a room made before UUIDs keeps its ObjectId, every other id
 * is stored as the string itself. Only ids that passed `isRoomId` get here.
 */
export function roomKey(roomId: string): string | Types.ObjectId {
  return isLegacyRoomId(roomId) ? new Types.ObjectId(roomId) : roomId;
}

interface CachedRoom {
  room: Room;
  /** The lowest message number of the room, or null when it may hold unnumbered messages. */
  numberedFrom: number | null;
}

const toRoom = (doc: Pick<RoomDoc, '_id' | 'name' | 'createdAt'>): Room => ({
  id: String(doc._id),
  name: doc.name,
  createdAt: doc.createdAt.toISOString(),
});

/**
 * Rooms, memberships (`<roomId>:<userId>`, the truth of who is in a room) and each person's
 * room list (`user_rooms`, keyed by user). Every read here is by primary key.
 */
@Injectable()
export class RoomsRepository {
  private readonly cache = new LRUCache<string, CachedRoom>({ max: ROOM_CACHE_MAX, ttl: ROOM_TTL_MS });
  /**
   * One write at a time to a person's room list from this process: FerretDB applies an update
   * by reading the document and writing it back, so two at once (two rooms made by one person
   * at the same moment) could lose one. MongoDB does not need it.
   */
  private readonly listWrites = new KeyedQueue();

  constructor(
    @Inject(MODELS) private readonly models: Models,
    private readonly layout: LayoutMigrations,
  ) {}

  /** A new room's id is a UUID v4: 122 bits from the CSPRNG, nothing a client can derive. */
  async create(name: string, userId: string): Promise<Room> {
    const doc = await this.models.rooms.create({
      _id: randomUUID(),
      name,
      createdBy: userId,
      createdAt: new Date(),
      numbered: true,
    });
    const room = toRoom(doc);
    await this.addMember(room.id, userId);
    return room;
  }

  /**
   * Bulk creation (imports, fixtures): the rooms in one unordered insert. Unlike `create` it adds
   * no member, not even `createdBy`: members come with `addMembers`, all of a person's rooms at
   * once.
   */
  async createMany(rooms: { name: string; createdBy: string; createdAt?: Date }[]): Promise<Room[]> {
    const now = new Date();
    const docs = rooms.map(({ name, createdBy, createdAt }) => ({
      _id: randomUUID(),
      name,
      createdBy,
      createdAt: createdAt ?? now,
      numbered: true,
    }));
    await insertNew(this.models.rooms.collection as unknown as Collection<RoomDoc>, docs);
    return docs.map(toRoom);
  }

  async findById(roomId: string): Promise<Room | null> {
    return (await this.cached(roomId))?.room ?? null;
  }

  /**
   * The lowest number a message of the room can have when every message carries one (1, or
   * below for a room whose older messages were numbered by the layout migration); null when the
   * room may hold messages without numbers (see RoomDoc.numbered).
   */
  async numberedFrom(roomId: string): Promise<number | null> {
    return (await this.cached(roomId))?.numberedFrom ?? null;
  }

  /**
   * Migration (LayoutChange.messageNumbers): records for each room that every message of it
   * carries a number, the lowest being the one given. (A room made before numbers that had no
   * messages stays unmarked: the bottom of its history is read by id range.)
   */
  async markNumbered(lowest: Map<string, number>): Promise<void> {
    for (const [roomId, from] of lowest) {
      if (!isRoomId(roomId)) continue;
      await this.models.rooms.updateOne(
        { _id: roomKey(roomId) },
        { $set: { numbered: true, numberedFrom: from } },
      );
      this.cache.delete(roomId);
    }
  }

  private async cached(roomId: string): Promise<CachedRoom | null> {
    if (!isRoomId(roomId)) return null;
    const hit = this.cache.get(roomId);
    if (hit) return hit;
    const doc = await this.models.rooms.findById(roomKey(roomId)).lean();
    if (!doc) return null;
    const entry = {
      room: toRoom(doc),
      numberedFrom: doc.numbered === true ? Math.min(1, doc.numberedFrom ?? 1) : null,
    };
    this.cache.set(roomId, entry);
    return entry;
  }

  async exists(roomId: string): Promise<boolean> {
    return (await this.findById(roomId)) !== null;
  }

  /**
   * Idempotent: joining twice keeps one membership. The membership is written first (it is what
   * access checks read); the room list after it, also when the membership was there already, so
   * joining again repairs a list that a crash between the two writes left behind.
   */
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
    await this.listWrites.run(userId, () =>
      upsertAgainOnce(() =>
        this.models.userRooms.updateOne(
          { _id: userId },
          { $set: { [`rooms.${roomId}`]: 1 } },
          { upsert: true },
        ),
      ),
    );
  }

  /**
   * Bulk `addMember` (imports, fixtures), for rooms that exist: the memberships, then each
   * person's room list, with one unordered write each. A person's list is inserted whole when
   * they have none yet; only the others are updated (`$set` of each room): on FerretDB every
   * update reads its whole collection, an insert does not. So pass all of a person's new rooms
   * in one call. Idempotent like `addMember`.
   */
  async addMembers(pairs: { roomId: string; userId: string }[]): Promise<void> {
    const joinedAt = new Date();
    await insertNew(
      this.models.memberships.collection as unknown as Collection<MembershipDoc>,
      pairs.map(({ roomId, userId }) => ({ _id: membershipId(roomId, userId), roomId, userId, joinedAt })),
    );
    await this.addToRoomLists(pairs);
  }

  /**
   * Each person's rooms among `pairs` into their room list: a list is inserted whole when the
   * person has none yet, the others get a `$set` of each room (on FerretDB an insert costs less
   * than an update). Idempotent.
   */
  private async addToRoomLists(pairs: { roomId: string; userId: string }[]): Promise<void> {
    const byUser = new Map<string, Record<string, 1>>();
    for (const { roomId, userId } of pairs) {
      const rooms = byUser.get(userId) ?? {};
      rooms[roomId] = 1;
      byUser.set(userId, rooms);
    }
    const lists = [...byUser].map(([userId, rooms]) => ({ _id: userId, rooms }));
    const { duplicateAt, duplicates } = await insertNewAt(
      this.models.userRooms.collection as unknown as Collection<UserRoomsDoc>,
      lists,
    );
    const existing = duplicateAt.size === duplicates ? lists.filter((_, i) => duplicateAt.has(i)) : lists;
    if (!existing.length) return;
    await upsertAgainOnce(() =>
      this.models.userRooms.bulkWrite(
        existing.map(({ _id, rooms }) =>
          updateById<UserRoomsDoc>(
            _id,
            { $set: Object.fromEntries(Object.keys(rooms).map((roomId) => [`rooms.${roomId}`, 1])) },
            true,
          ),
        ),
        { ordered: false },
      ),
    );
  }

  async isMember(roomId: string, userId: string): Promise<boolean> {
    return (await this.models.memberships.exists({ _id: membershipId(roomId, userId) })) !== null;
  }

  /** The rooms the user belongs to, oldest first: one keyed read and the rooms by key. */
  async listForUser(userId: string): Promise<Room[]> {
    const roomIds = (await this.layout.isFinished(LayoutChange.userRooms))
      ? Object.keys((await this.models.userRooms.findById(userId).lean())?.rooms ?? {})
      : (await this.models.memberships.find({ userId }, { roomId: 1 }).lean()).map((m) => m.roomId);
    const rooms = await Promise.all(roomIds.map((roomId) => this.findById(roomId)));
    return rooms
      .filter((room): room is Room => room !== null)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Migration (LayoutChange.userRooms): every membership into its person's room list. Setting a
   * field that is set already changes nothing, so it can run again, or beside joins, at no harm.
   */
  async copyMembershipsToRoomLists(): Promise<number> {
    let copied = 0;
    const memberships = this.models.memberships
      .find({}, { roomId: 1, userId: 1 })
      .lean()
      .cursor({ batchSize: MIGRATION_BATCH });
    await inBatches(memberships, MIGRATION_BATCH, async (batch) => {
      await this.addToRoomLists(batch);
      copied += batch.length;
    });
    return copied;
  }
}
