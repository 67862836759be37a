import { Controller, Get, Headers, UnauthorizedException } from '@nestjs/common';
import { TokenService, bearerToken } from '@chat/auth';
import { PresenceRepository, type RegisteredConnection } from '@chat/redis';

/**
 * Diagnostics for a client: its own connections on every instance, with their round-trip time.
 * (An operator's view of everyone's comes with the admin role.)
 */
@Controller('diagnostics')
export class PresenceController {
  constructor(
    private readonly tokens: TokenService,
    private readonly presence: PresenceRepository,
  ) {}

  @Get('connections')
  async connections(@Headers('authorization') authorization?: string): Promise<RegisteredConnection[]> {
    let userId: string;
    try {
      userId = this.tokens.verifyAccess(bearerToken(authorization)).id;
    } catch {
      throw new UnauthorizedException('a valid access token is required');
    }
    return this.presence.connectionsOf(userId);
  }
}
