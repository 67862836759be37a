import { Module } from '@nestjs/common';
import { DrainStreamJob } from './drain-stream.job.js';

/** Persists the Redis chat streams into MongoDB in batches. */
@Module({ providers: [DrainStreamJob], exports: [DrainStreamJob] })
export class DrainModule {}
