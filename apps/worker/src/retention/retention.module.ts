import { Module } from '@nestjs/common';
import { MessageLogModule } from '@chat/message-log';
import { FileDeleteClient } from './file-delete.client.js';
import { OrphanFilesJob } from './orphan-files.job.js';
import { RetentionJob } from './retention.job.js';

/**
 * Deletes what is past its retention, in bounded batches: old messages, expired files, and
 * files no message refers to (through the file service, with the worker's service token).
 */
@Module({
  imports: [MessageLogModule],
  providers: [RetentionJob, OrphanFilesJob, FileDeleteClient],
  exports: [RetentionJob, OrphanFilesJob],
})
export class RetentionModule {}
