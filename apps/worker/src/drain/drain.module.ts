import { Module } from '@nestjs/common';
import { MessageLogModule } from '@chat/message-log';
import { DrainStreamJob } from './drain-stream.job.js';

/** Persists the Redis chat streams into MongoDB in batches. */
@Module({ imports: [MessageLogModule], providers: [DrainStreamJob], exports: [DrainStreamJob] })
export class DrainModule {}
