import { Module } from '@nestjs/common';
import { StatsModule } from '../stats/stats.module.js';
import { RecoveryService } from './recovery.service.js';
import { ReplayService } from './replay.service.js';
import { RoomFeed } from './room-feed.service.js';

/** Live delivery of stored messages to this instance's sockets, and replay of missed ones. */
@Module({
  imports: [StatsModule],
  providers: [RoomFeed, ReplayService, RecoveryService],
  exports: [RoomFeed, RecoveryService],
})
export class DeliveryModule {}
