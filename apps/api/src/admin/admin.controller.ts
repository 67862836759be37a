import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { type AuthUser, BearerAuthGuard, CurrentUser } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode } from '@chat/contracts';
import { LiveStatsRepository } from '@chat/redis';
import { ErrorDto } from '../auth/dto/credentials.dto.js';
import { AdminStatsDto } from './dto/admin-stats.dto.js';

@ApiTags('admin')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'missing, invalid or expired access token' })
@ApiForbiddenResponse({ type: ErrorDto, description: 'the caller is not in ADMIN_USERNAMES' })
@UseGuards(BearerAuthGuard)
@Controller('admin')
export class AdminController {
  constructor(
    private readonly live: LiveStatsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('stats')
  @ApiOperation({
    summary: 'Live figures of the whole deployment',
    description:
      'Each socket instance reports every second; the worker reports the backlog. For a stream ' +
      'every second, admins send `admin:stats:subscribe` over the socket instead.',
  })
  @ApiOkResponse({ type: AdminStatsDto })
  stats(@CurrentUser() user: AuthUser): Promise<AdminStatsDto> {
    if (!this.config.adminUsernames.has(user.username))
      throw new AppError(ErrorCode.FORBIDDEN, 'live stats are for admins (ADMIN_USERNAMES)');
    return this.live.snapshot() as Promise<AdminStatsDto>;
  }
}
