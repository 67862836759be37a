import { Injectable } from '@nestjs/common';
import { RoomsRepository, type Room } from '@chat/database';

/** Creating and listing rooms; joining one is RoomAccess.addMember (who may be in a room lives there). */
@Injectable()
export class RoomsService {
  constructor(private readonly rooms: RoomsRepository) {}

  async create(name: string, userId: string): Promise<Room> {
    return this.rooms.create(name, userId);
  }

  listForUser(userId: string): Promise<Room[]> {
    return this.rooms.listForUser(userId);
  }
}
