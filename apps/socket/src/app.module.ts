import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthTokensModule } from '@chat/auth';
import { DatabaseModule } from '@chat/database';
import { ObservabilityModule } from '@chat/observability';
import { RedisModule } from '@chat/redis';
import { ChatModule } from './chat/chat.module.js';
import { TransportModule } from './transport/transport.module.js';

/**
 * socket: the realtime edge.
 *   clients ──socket.io──▶ socket ──Lua: XADD + SPUBLISH──▶ Redis (room stream, room channel)
 *   every socket instance ◀──SSUBSCRIBE (RoomFeed)── room channel ──▶ its sockets in the room
 *   room:join {lastMessageId} ──▶ replay from stream + MongoDB, then live (RecoveryService)
 *   presence (PresenceService) ──▶ Redis, with expiry; the adapter carries presence updates
 *   live stats (SocketStats, AdminStatsGateway) ──▶ Redis every second ──▶ admins' admin:stats
 * MongoDB is read on a membership cache miss and to replay what the worker already drained.
 */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    ObservabilityModule.forApp('socket'),
    RedisModule,
    DatabaseModule,
    AuthTokensModule,
    TransportModule,
    ChatModule,
  ],
})
export class AppModule {}
