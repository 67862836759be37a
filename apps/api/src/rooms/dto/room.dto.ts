import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { ROOM_ID_DESCRIPTION, ROOM_ID_EXAMPLE } from '@chat/contracts';

export class CreateRoomDto {
  @ApiProperty({ example: 'general', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name: string;
}

export class RoomDto {
  @ApiProperty({ example: ROOM_ID_EXAMPLE, description: ROOM_ID_DESCRIPTION }) id: string;
  @ApiProperty({ example: 'general' }) name: string;
  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' }) createdAt: string;
}

export class PresenceUserDto {
  @ApiProperty({ example: '665f1a2b3c4d5e6f70819201' }) id: string;
  @ApiProperty({ example: 'alice' }) username: string;
}

export class RoomPresenceDto {
  @ApiProperty({ example: ROOM_ID_EXAMPLE }) roomId: string;
  @ApiProperty({ type: [PresenceUserDto], description: 'sorted by username' }) users: PresenceUserDto[];
}
