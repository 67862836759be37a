import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode, isObjectIdString } from '@chat/contracts';
import { RoomsRepository } from '@chat/database';
import { MembershipCache } from '@chat/redis';

/**
 * Membership for the socket app. A cached positive answer costs one SISMEMBER; only a miss reads
 * MongoDB (then caches the positive). chat:send on a joined room costs nothing: the gateway keeps
 * the rooms each connection has proven membership of.
 */
@Injectable()
export class MembershipService {
  constructor(
    private readonly cache: MembershipCache,
    private readonly rooms: RoomsRepository,
  ) {}

  /** NOT_FOUND for a room that does not exist, FORBIDDEN for one the user is not in. */
  async assertMember(roomId: string, userId: string): Promise<void> {
    if (!isObjectIdString(roomId)) throw new AppError(ErrorCode.NOT_FOUND, 'room not found');
    const member = await this.cache.isMember(roomId, userId, () => this.rooms.isMember(roomId, userId));
    if (member) return;
    if (!(await this.rooms.findById(roomId))) throw new AppError(ErrorCode.NOT_FOUND, 'room not found');
    throw new AppError(ErrorCode.FORBIDDEN, 'not a member of this room');
  }
}
