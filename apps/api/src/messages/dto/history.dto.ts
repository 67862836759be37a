import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class HistoryQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({
    description: 'A message id: return messages older than it (from `nextBefore`)',
    example: '1732345678901-0',
  })
  @IsOptional()
  @Matches(/^\d{1,15}-\d{1,10}$/, { message: 'before must be a message id such as 1732345678901-0' })
  before?: string;
}

export class MessageFileDto {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty({ example: 'cat.png' }) name: string;
  @ApiProperty({ example: 'image/png' }) mime: string;
  @ApiProperty({ example: 12345 }) size: number;
}

export class MessageDto {
  @ApiProperty({
    example: '1732345678901-0',
    description: 'unique within the room; use the API order, not string order',
  })
  id: string;
  @ApiProperty() roomId: string;
  @ApiPropertyOptional({
    example: 42,
    description:
      "the message's number in its room: 1, 2, 3… in the room's order, so a missing number is a gap; absent on messages stored before rooms had numbers",
  })
  seq?: number;
  @ApiProperty() senderId: string;
  @ApiProperty({ example: 'alice' }) senderName: string;
  @ApiProperty({ example: 'hello' }) content: string;
  @ApiPropertyOptional({ type: MessageFileDto }) file?: MessageFileDto;
  @ApiProperty({
    example: 'b3c1e0a2',
    description: 'chosen by the client; idempotency key per sender and room',
  })
  clientMsgId: string;
  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' }) createdAt: string;
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageDto], description: 'newest first' }) items: MessageDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'pass as `before` for the next (older) page; null at the start',
  })
  nextBefore: string | null;
}
