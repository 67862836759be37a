import { ApiProperty } from '@nestjs/swagger';
import type { AdminStats, BacklogStats, SocketInstanceStats } from '@chat/contracts';

export class SocketInstanceStatsDto implements SocketInstanceStats {
  @ApiProperty({ example: 'socket-7f9c:1' }) id: string;
  @ApiProperty({ description: 'when the instance reported (epoch ms)', example: 1732345678901 }) at: number;
  @ApiProperty({ example: 1200 }) connections: number;
  @ApiProperty({ description: 'distinct users connected to the instance', example: 1100 }) users: number;
  @ApiProperty({ description: 'chat:send received per second', example: 950.5 }) messagesInPerSec: number;
  @ApiProperty({ description: 'messages stored per second', example: 950 }) storedPerSec: number;
  @ApiProperty({ description: 'chat:message emits to sockets per second', example: 9500 })
  deliveriesPerSec: number;
  @ApiProperty({ description: 'failed acks per second', example: 0 }) errorsPerSec: number;
  @ApiProperty({ type: Number, nullable: true, example: 1.8 }) ackP50Ms: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 12.4 }) ackP99Ms: number | null;
  @ApiProperty({ example: 3.1 }) eventLoopP99Ms: number;
  @ApiProperty({ example: 183500800 }) rssBytes: number;
  @ApiProperty({ description: 'messages stored since the instance started', example: 401223 })
  storedTotal: number;
  @ApiProperty({ description: 'failed acks since the instance started', example: 12 }) errorsTotal: number;
}

export class BacklogStatsDto implements BacklogStats {
  @ApiProperty({ description: 'when the worker measured it (epoch ms)', example: 1732345678000 }) at: number;
  @ApiProperty({ description: 'acked messages not yet in MongoDB', example: 340 }) messages: number;
  @ApiProperty({ example: 12 }) rooms: number;
  @ApiProperty({ description: 'age of the oldest of them (0 when none)', example: 0.4 }) oldestAgeSec: number;
}

export class AdminStatsTotalsDto {
  @ApiProperty({ example: 3 }) instances: number;
  @ApiProperty({ example: 3600 }) connections: number;
  @ApiProperty({ example: 2850 }) messagesInPerSec: number;
  @ApiProperty({ example: 2850 }) storedPerSec: number;
  @ApiProperty({ example: 28500 }) deliveriesPerSec: number;
  @ApiProperty({ example: 0 }) errorsPerSec: number;
  @ApiProperty({ type: Number, nullable: true, description: 'the worst instance’s p99', example: 14.2 })
  ackP99Ms: number | null;
  @ApiProperty({ example: 1203669 }) storedTotal: number;
  @ApiProperty({ example: 12 }) errorsTotal: number;
}

export class AdminStatsDto implements AdminStats {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: AdminStatsTotalsDto }) totals: AdminStatsTotalsDto;
  @ApiProperty({
    type: [SocketInstanceStatsDto],
    description: 'socket instances that reported in the last 3 s',
  })
  instances: SocketInstanceStatsDto[];
  @ApiProperty({
    type: BacklogStatsDto,
    nullable: true,
    description: 'null when no worker reported in the last 30 s',
  })
  backlog: BacklogStatsDto | null;
}
