import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOperation,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { type AuthUser, BearerAuthGuard, CurrentUser } from '@chat/auth';
import { ErrorDto } from '../auth/dto/credentials.dto.js';
import { ApiRoomIdParam, RoomIdParam } from '../rooms/room-id.param.js';
import { HistoryQueryDto, MessagePageDto } from './dto/history.dto.js';
import { DEFAULT_PAGE_SIZE, MessagesService } from './messages.service.js';

@ApiTags('messages')
@ApiBearerAuth()
@ApiRoomIdParam()
@UseGuards(BearerAuthGuard)
@Controller('rooms/:roomId/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @ApiOperation({
    summary: 'A page of history, newest first',
    description:
      'Pass `nextBefore` of a page as `before` to get the next (older) page; `nextBefore: null` means the first message was reached.',
  })
  @ApiOkResponse({
    type: MessagePageDto,
    description:
      'Complete and exact: acknowledged messages appear at once, whether still in Redis or in MongoDB.',
  })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: 'bad limit or before, or a roomId not spelled as given',
  })
  @ApiUnauthorizedResponse({ type: ErrorDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'not a member of the room' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'no such room' })
  page(
    @RoomIdParam() roomId: string,
    @Query() query: HistoryQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<MessagePageDto> {
    return this.messages.history(roomId, user.id, query.limit ?? DEFAULT_PAGE_SIZE, query.before);
  }
}
