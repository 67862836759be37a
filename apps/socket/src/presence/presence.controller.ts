import { Controller, Get, UseGuards } from '@nestjs/common';
import { BearerAuthGuard, CurrentUser, type AuthUser } from '@chat/auth';
import { PresenceRepository, type RegisteredConnection } from '@chat/redis';

/**
 * Diagnostics for a client: its own connections on every instance, with their round-trip time.
 * (An operator's view of everyone's comes with the admin role.)
 */
@Controller('diagnostics')
@UseGuards(BearerAuthGuard)
export class PresenceController {
  constructor(private readonly presence: PresenceRepository) {}

  @Get('connections')
  connections(@CurrentUser() user: AuthUser): Promise<RegisteredConnection[]> {
    return this.presence.connectionsOf(user.id);
  }
}
