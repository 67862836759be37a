import { Module } from '@nestjs/common';
import { AuthTokensModule } from '@chat/auth';
import { DatabaseModule } from '@chat/database';
import { ObservabilityModule } from '@chat/observability';
import { RedisModule } from '@chat/redis';
import { ServeModule } from './serve/serve.module.js';
import { UploadModule } from './upload/upload.module.js';

/**
 * file: stores uploads and serves them.
 *   socket ──gRPC Upload (chunks)──▶ file ──▶ storage (temp file, checked, renamed) + MongoDB metadata
 *   browser ──GET /files/:id (signed link or Bearer)──▶ file ──▶ bytes (Range, ETag)
 */
@Module({
  imports: [
    ObservabilityModule.forApp('file'),
    RedisModule,
    DatabaseModule,
    AuthTokensModule,
    UploadModule,
    ServeModule,
  ],
})
export class AppModule {}
