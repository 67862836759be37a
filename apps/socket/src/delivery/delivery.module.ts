import { Module } from '@nestjs/common';
import { MessageLogModule } from '@chat/message-log';
import { StatsModule } from '../stats/stats.module.js';
import { RecoveryService } from './recovery.service.js';
import { RoomFeed } from './room-feed.service.js';

/** Live delivery of stored messages to this instance's sockets, and replay of missed ones. */
@Module({
  imports: [MessageLogModule, StatsModule],
  providers: [RoomFeed, RecoveryService],
  exports: [RoomFeed, RecoveryService],
})
export class DeliveryModule {}
