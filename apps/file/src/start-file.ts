import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { FILE_PACKAGE, PROTO_LOADER_OPTIONS, UPLOAD_CHUNK_BYTES, fileProtoPath } from '@chat/grpc';
import { loadConfig, type AppConfig } from '@chat/config';
import { bootstrap } from '@chat/observability';
import { AppModule } from './app.module.js';

/** Boots the file app: HTTP (downloads, /health, /metrics) and the gRPC file service. */
export function startFile(config: AppConfig = loadConfig()) {
  return bootstrap(AppModule, {
    config,
    port: (config) => config.FILE_HTTP_PORT,
    configure: async (app, config) => {
      app.connectMicroservice<MicroserviceOptions>(
        {
          transport: Transport.GRPC,
          options: {
            package: FILE_PACKAGE,
            protoPath: fileProtoPath(),
            url: `${config.HOST}:${config.FILE_GRPC_PORT}`,
            loader: PROTO_LOADER_OPTIONS,
            maxReceiveMessageLength: 2 * UPLOAD_CHUNK_BYTES,
          },
        },
        // The HTTP error filter must not handle RPC errors: gRPC handlers answer with gRPC statuses.
        { inheritAppConfig: false },
      );
      await app.startAllMicroservices();
    },
  });
}
