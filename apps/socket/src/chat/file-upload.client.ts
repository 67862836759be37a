import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { once } from 'node:events';
import { InternalTokenService } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode, type ChatSendFile, type StoredFileRef } from '@chat/contracts';
import { HealthRegistry } from '@chat/observability';
import {
  UPLOAD_CHUNK_BYTES,
  bearerMetadata,
  createFileServiceClient,
  errorCodeOf,
  type FileServiceClient,
} from '@chat/grpc';

const PASSED_THROUGH = new Set([
  ErrorCode.FILE_TOO_LARGE,
  ErrorCode.FILE_TYPE_REJECTED,
  ErrorCode.VALIDATION,
]);

/**
 * Streams a file to the file service over gRPC in 64 KiB chunks, with a deadline. Each upload
 * carries a service token (scope `upload`) naming the room and the uploader: the file service
 * takes them from it, not from the request. The service's own refusals keep their code
 * (FILE_TOO_LARGE, FILE_TYPE_REJECTED); anything else (down, slow, broken, refused) is
 * FILE_UPLOAD_FAILED, and the caller stores no message.
 */
@Injectable()
export class FileUploadClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FileUploadClient.name);
  private client: FileServiceClient;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: HealthRegistry,
    private readonly tokens: InternalTokenService,
  ) {}

  onModuleInit(): void {
    this.client = createFileServiceClient(this.config.FILE_GRPC_URL);
    // The gRPC channel to the file service connects. Without it only file sends fail, so it
    // degrades the instance rather than taking it out of the balancer.
    this.health.register(
      'file',
      () =>
        new Promise<void>((resolve, reject) =>
          this.client.waitForReady(Date.now() + 1500, (error) => (error ? reject(error) : resolve())),
        ),
      { critical: false },
    );
  }

  onApplicationShutdown(): void {
    this.client.close();
  }

  upload(
    file: ChatSendFile,
    roomId: string,
    uploaderId: string,
    correlationId: string,
  ): Promise<StoredFileRef> {
    return new Promise((resolve, reject) => {
      const token = this.tokens.sign({ scope: 'upload', roomId, uploaderId }, 'socket');
      const call = this.client.Upload(
        bearerMetadata(token),
        { deadline: Date.now() + this.config.FILE_UPLOAD_TIMEOUT_MS },
        (error, stored) => {
          if (error || !stored) {
            const code = errorCodeOf(error);
            if (code && PASSED_THROUGH.has(code))
              return reject(new AppError(code, error?.details ?? 'file refused'));
            this.logger.warn({ cid: correlationId }, `upload failed: ${error?.message ?? 'no response'}`);
            return reject(
              new AppError(
                ErrorCode.FILE_UPLOAD_FAILED,
                'the file could not be uploaded; nothing was stored',
              ),
            );
          }
          resolve({
            id: stored.id,
            name: stored.name,
            mime: stored.mime,
            size: stored.size,
            ...(stored.has_thumbnail && { thumbnail: true }),
          });
        },
      );
      call.on('error', () => undefined); // reported through the callback
      call.write({
        metadata: {
          name: file.name,
          declared_mime: file.mime ?? '',
          // Ignored by the file service (the token says), read by one of an earlier release.
          room_id: roomId,
          uploader_id: uploaderId,
          correlation_id: correlationId,
        },
      });
      const data = Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
      // Respect the stream's backpressure: gRPC's send queue never holds more than a few chunks.
      void (async () => {
        for (let offset = 0; offset < data.length; offset += UPLOAD_CHUNK_BYTES) {
          if (!call.write({ chunk: data.subarray(offset, offset + UPLOAD_CHUNK_BYTES) })) {
            // The losing wait is aborted: left pending, its listeners would pile up per chunk.
            const waits = new AbortController();
            const drained = await Promise.race([
              once(call, 'drain', { signal: waits.signal }).then(() => true),
              once(call, 'close', { signal: waits.signal }).then(() => false),
            ]).finally(() => waits.abort());
            if (!drained) return;
          }
        }
        call.end();
      })().catch(() => call.cancel());
    });
  }
}
