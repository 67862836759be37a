import { Module } from '@nestjs/common';
import { MessageLogModule } from '@chat/message-log';
import { BacklogMetricsJob } from './backlog-metrics.job.js';

/** Backlog size and age of the write-behind path, as Prometheus gauges. */
@Module({ imports: [MessageLogModule], providers: [BacklogMetricsJob], exports: [BacklogMetricsJob] })
export class BacklogModule {}
