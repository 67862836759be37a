import { Module } from '@nestjs/common';
import { AdminStatsGateway } from './admin-stats.gateway.js';
import { SocketStats } from './socket-stats.js';

/** The socket app's figures: Prometheus instruments, and the admins' live stats. */
@Module({
  providers: [SocketStats, AdminStatsGateway],
  exports: [SocketStats],
})
export class StatsModule {}
