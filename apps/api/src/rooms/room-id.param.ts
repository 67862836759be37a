import { Param, type PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ROOM_ID_DESCRIPTION, ROOM_ID_EXAMPLE, ROOM_ID_PATTERN, parseRoomId } from '@chat/contracts';

/** The contracts' one rule for a room id: any other spelling is 400 VALIDATION, never looked up. */
const roomIdPipe: PipeTransform<unknown, string> = { transform: (value) => parseRoomId(value) };

/** The `:roomId` path parameter, checked by the one room-id rule. */
export const RoomIdParam = (): ParameterDecorator => Param('roomId', roomIdPipe);

/** How `:roomId` appears in the OpenAPI document (on a route or a controller). */
export const ApiRoomIdParam = () =>
  ApiParam({
    name: 'roomId',
    description: ROOM_ID_DESCRIPTION,
    schema: { type: 'string', pattern: ROOM_ID_PATTERN, example: ROOM_ID_EXAMPLE },
  });
