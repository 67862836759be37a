import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ConfigModule } from '@chat/config';
import { DatabaseModule } from '@chat/database';
import { ObservabilityModule } from '@chat/observability';
import { RedisModule } from '@chat/redis';
import { DrainModule } from './drain/drain.module.js';

/**
 * worker: scheduled jobs.
 *   Redis room streams ──XRANGE──▶ worker ──insertMany──▶ MongoDB, then XDEL
 */
@Module({
  imports: [
    ConfigModule,
    ObservabilityModule.forApp('worker'),
    ScheduleModule.forRoot(),
    RedisModule,
    DatabaseModule,
    DrainModule,
  ],
})
export class AppModule {}
