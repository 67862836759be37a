import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { AuthUser } from '@chat/auth';
import { ErrorDto } from '../auth/dto/credentials.dto.js';
import { CurrentUser, JwtAuthGuard } from '../auth/jwt-auth.guard.js';
import { CreateRoomDto, RoomDto } from './dto/room.dto.js';
import { RoomsService } from './rooms.service.js';

@ApiTags('rooms')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'missing, invalid or expired access token' })
@UseGuards(JwtAuthGuard)
@Controller('rooms')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  @ApiOkResponse({ type: [RoomDto], description: 'the rooms the caller belongs to' })
  list(@CurrentUser() user: AuthUser): Promise<RoomDto[]> {
    return this.rooms.listForUser(user.id);
  }

  @Post()
  @ApiCreatedResponse({ type: RoomDto, description: 'the caller becomes a member' })
  create(@Body() body: CreateRoomDto, @CurrentUser() user: AuthUser): Promise<RoomDto> {
    return this.rooms.create(body.name, user.id);
  }

  @Post(':roomId/members')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'the caller is a member (joining twice is fine)' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async join(@Param('roomId') roomId: string, @CurrentUser() user: AuthUser): Promise<void> {
    await this.rooms.join(roomId, user.id);
  }
}
