import { Injectable } from '@nestjs/common';
import { RoomAccess } from '@chat/access';
import { RoomsRepository, type Room } from '@chat/database';

@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly access: RoomAccess,
  ) {}

  async create(name: string, userId: string): Promise<Room> {
    return this.rooms.create(name, userId);
  }

  listForUser(userId: string): Promise<Room[]> {
    return this.rooms.listForUser(userId);
  }

  join(roomId: string, userId: string): Promise<void> {
    return this.access.addMember(roomId, userId);
  }
}
