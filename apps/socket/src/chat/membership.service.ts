import { Injectable } from '@nestjs/common';
import { RoomsRepository } from '@chat/database';
import { MembershipCache } from '@chat/redis';

/**
 * Membership for the socket app: a cached positive answer costs one SISMEMBER, only a miss reads
 * MongoDB. chat:send on a joined room costs nothing: the gateway remembers the rooms each
 * connection has proven.
 */
@Injectable()
export class MembershipService {
  constructor(
    private readonly cache: MembershipCache,
    private readonly rooms: RoomsRepository,
  ) {}

  /** NOT_FOUND for a room that does not exist, FORBIDDEN for one the user is not in. */
  assertMember(roomId: string, userId: string): Promise<void> {
    return this.cache.assertMember(roomId, userId, this.rooms);
  }
}
