import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CreateRoomDto {
  @ApiProperty({ example: 'general', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name: string;
}

export class RoomDto {
  @ApiProperty({ example: '665f1c2b3c4d5e6f70819203' }) id: string;
  @ApiProperty({ example: 'general' }) name: string;
  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' }) createdAt: string;
}

export class PresenceUserDto {
  @ApiProperty({ example: '665f1a2b3c4d5e6f70819201' }) id: string;
  @ApiProperty({ example: 'alice' }) username: string;
}

export class RoomPresenceDto {
  @ApiProperty({ example: '665f1c2b3c4d5e6f70819203' }) roomId: string;
  @ApiProperty({ type: [PresenceUserDto], description: 'sorted by username' }) users: PresenceUserDto[];
}
