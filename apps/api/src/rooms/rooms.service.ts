import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '@chat/contracts';
import { RoomsRepository, type Room } from '@chat/database';
import { MembershipCache } from '@chat/redis';

@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly membership: MembershipCache,
  ) {}

  async create(name: string, userId: string): Promise<Room> {
    return this.rooms.create(name, userId);
  }

  listForUser(userId: string): Promise<Room[]> {
    return this.rooms.listForUser(userId);
  }

  async join(roomId: string, userId: string): Promise<void> {
    if (!(await this.rooms.exists(roomId))) throw new AppError(ErrorCode.NOT_FOUND, 'room not found');
    await this.rooms.addMember(roomId, userId);
    await this.membership.remember(roomId, userId);
  }

  /** NOT_FOUND for no such room, FORBIDDEN for a room the user is not in. */
  assertMember(roomId: string, userId: string): Promise<void> {
    return this.membership.assertMember(roomId, userId, this.rooms);
  }
}
