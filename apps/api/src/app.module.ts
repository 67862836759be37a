import { Module } from '@nestjs/common';
import { AuthTokensModule } from '@chat/auth';
import { DatabaseModule } from '@chat/database';
import { ObservabilityModule } from '@chat/observability';
import { RedisModule } from '@chat/redis';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { RoomsModule } from './rooms/rooms.module.js';

/**
 * api: auth, rooms and history over REST.
 *   clients ──HTTP──▶ api ──▶ MongoDB (users, rooms, persisted messages)
 *                          └─▶ Redis (stream tail of unpersisted messages, membership cache,
 *                                     live stats the socket instances and the worker report)
 */
@Module({
  imports: [
    ObservabilityModule.forApp('api'),
    RedisModule,
    DatabaseModule,
    AuthTokensModule,
    AuthModule,
    RoomsModule,
    MessagesModule,
    AdminModule,
  ],
})
export class AppModule {}
