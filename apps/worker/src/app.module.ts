import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthTokensModule } from '@chat/auth';
import { DatabaseModule } from '@chat/database';
import { ObservabilityModule } from '@chat/observability';
import { RedisModule } from '@chat/redis';
import { BacklogModule } from './backlog/backlog.module.js';
import { DrainModule } from './drain/drain.module.js';
import { LayoutModule } from './layout/layout.module.js';
import { RetentionModule } from './retention/retention.module.js';

/**
 * worker: scheduled jobs.
 *   drain:     Redis room streams ──XRANGE──▶ worker ──insertMany──▶ MongoDB, then XDEL
 *   backlog:   size and age of what is not yet persisted, for /metrics
 *   layout:    brings an existing database up to the current data layout (keyed
 *              usernames, room lists), once, idempotently
 *   retention: deletes messages past their retention, expired files, and files no message
 *              refers to (gRPC Delete to the file app, with a service token)
 */
@Module({
  imports: [
    ObservabilityModule.forApp('worker'),
    ScheduleModule.forRoot(),
    RedisModule,
    DatabaseModule,
    AuthTokensModule,
    DrainModule,
    BacklogModule,
    RetentionModule,
    LayoutModule,
  ],
})
export class AppModule {}
