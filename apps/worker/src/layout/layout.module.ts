import { Module } from '@nestjs/common';
import { MessageLogModule } from '@chat/message-log';
import { LayoutMigrationJob } from './layout-migration.job.js';

/** Brings an existing database up to the current data layout (idempotent migrations). */
@Module({
  imports: [MessageLogModule],
  providers: [LayoutMigrationJob],
  exports: [LayoutMigrationJob],
})
export class LayoutModule {}
