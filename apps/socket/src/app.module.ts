import { Module } from '@nestjs/common';
import { AuthTokensModule } from '@chat/auth';
import { ConfigModule } from '@chat/config';
import { DatabaseModule } from '@chat/database';
import { ObservabilityModule } from '@chat/observability';
import { RedisModule } from '@chat/redis';
import { ChatModule } from './chat/chat.module.js';

/**
 * socket: the realtime edge.
 *   clients ──socket.io──▶ socket ──XADD──▶ Redis stream of the room
 *                             └──pub/sub (adapter)──▶ every socket instance ──▶ room members
 * MongoDB is read only on a membership cache miss.
 */
@Module({
  imports: [
    ConfigModule,
    ObservabilityModule.forApp('socket'),
    RedisModule,
    DatabaseModule,
    AuthTokensModule,
    ChatModule,
  ],
})
export class AppModule {}
