import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '@chat/contracts';
import { RoomsRepository } from '@chat/database';
import { MembershipCache } from '@chat/redis';

/**
 * Who may do what in a room: the one check that REST (history, rooms), the socket (join, send,
 * uploads, presence) and file downloads all ask. Today a room has members, and a member may do
 * everything a room allows; roles go here.
 *
 * MongoDB is the truth; positive answers are cached in Redis (MembershipCache), so the common
 * case is one SISMEMBER and no database read.
 */
@Injectable()
export class RoomAccess {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly cache: MembershipCache,
  ) {}

  /**
   * Resolves when `userId` is a member of `roomId`: NOT_FOUND for a room that does not exist,
   * FORBIDDEN for one the user is not in, VALIDATION for an id that is not a room id.
   */
  assertMember(roomId: string, userId: string): Promise<void> {
    return this.cache.assertMember(roomId, userId, this.rooms);
  }

  /** Whether `userId` is a member of `roomId` (false for a room that does not exist). */
  isMember(roomId: string, userId: string): Promise<boolean> {
    return this.cache.isMember(roomId, userId, () => this.rooms.isMember(roomId, userId));
  }

  /** Makes `userId` a member of an existing room (NOT_FOUND otherwise); idempotent. */
  async addMember(roomId: string, userId: string): Promise<void> {
    if (!(await this.rooms.exists(roomId))) throw new AppError(ErrorCode.NOT_FOUND, 'room not found');
    await this.rooms.addMember(roomId, userId);
    await this.cache.remember(roomId, userId);
  }
}
