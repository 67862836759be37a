import { Module } from '@nestjs/common';
import { ConfigModule } from '@chat/config';
import { ObservabilityModule } from '@chat/observability';

/**
 * file: will receive uploads over gRPC (proto/file.proto) and serve them over HTTP.
 * In this build it serves only /health and /metrics; the socket app refuses file messages
 * with FILE_UPLOAD_FAILED until the upload service lands.
 */
@Module({ imports: [ConfigModule, ObservabilityModule.forApp('file')] })
export class AppModule {}
