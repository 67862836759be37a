import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOperation,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RoomAccess } from '@chat/access';
import { type AuthUser, BearerAuthGuard, CurrentUser } from '@chat/auth';
import { PresenceRepository } from '@chat/redis';
import { ErrorDto } from '../auth/dto/credentials.dto.js';
import { CreateRoomDto, RoomDto, RoomPresenceDto } from './dto/room.dto.js';
import { ApiRoomIdParam, RoomIdParam } from './room-id.param.js';
import { RoomsService } from './rooms.service.js';

@ApiTags('rooms')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'missing, invalid or expired access token' })
@UseGuards(BearerAuthGuard)
@Controller('rooms')
export class RoomsController {
  constructor(
    private readonly rooms: RoomsService,
    private readonly access: RoomAccess,
    private readonly presenceRepository: PresenceRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The rooms the caller belongs to' })
  @ApiOkResponse({ type: [RoomDto], description: 'the rooms the caller belongs to' })
  list(@CurrentUser() user: AuthUser): Promise<RoomDto[]> {
    return this.rooms.listForUser(user.id);
  }

  @Post()
  @ApiOperation({ summary: 'Create a room' })
  @ApiCreatedResponse({ type: RoomDto, description: 'the caller becomes a member' })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'name missing, empty or over 100 characters' })
  create(@Body() body: CreateRoomDto, @CurrentUser() user: AuthUser): Promise<RoomDto> {
    return this.rooms.create(body.name, user.id);
  }

  @Post(':roomId/members')
  @ApiOperation({ summary: 'Join a room' })
  @ApiRoomIdParam()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'the caller is a member (joining twice is fine)' })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'roomId not spelled as the server gave it' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async join(@RoomIdParam() roomId: string, @CurrentUser() user: AuthUser): Promise<void> {
    await this.access.addMember(roomId, user.id);
  }

  @Get(':roomId/presence')
  @ApiOperation({ summary: 'Who is online in the room' })
  @ApiRoomIdParam()
  @ApiOkResponse({
    type: RoomPresenceDto,
    description:
      'users with a live socket connection in the room, on any socket instance; a crashed ' +
      "instance's users drop out within 3 × PRESENCE_HEARTBEAT_MS",
  })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'roomId not spelled as the server gave it' })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'not a member of the room' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async presence(@RoomIdParam() roomId: string, @CurrentUser() user: AuthUser): Promise<RoomPresenceDto> {
    await this.access.assertMember(roomId, user.id);
    return { roomId, users: await this.presenceRepository.online(roomId) };
  }
}
