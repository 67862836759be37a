import { Module } from '@nestjs/common';
import { BacklogMetricsJob } from './backlog-metrics.job.js';

/** Backlog size and age of the write-behind path, as Prometheus gauges. */
@Module({ providers: [BacklogMetricsJob], exports: [BacklogMetricsJob] })
export class BacklogModule {}
