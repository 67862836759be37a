import { Module } from '@nestjs/common';
import { RetentionJob } from './retention.job.js';

/** Deletes what is past its retention, in bounded batches. */
@Module({ providers: [RetentionJob], exports: [RetentionJob] })
export class RetentionModule {}
