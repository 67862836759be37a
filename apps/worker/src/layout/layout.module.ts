import { Module } from '@nestjs/common';
import { LayoutMigrationJob } from './layout-migration.job.js';

/** Brings an existing database up to the current data layout (idempotent migrations). */
@Module({
  providers: [LayoutMigrationJob],
  exports: [LayoutMigrationJob],
})
export class LayoutModule {}
