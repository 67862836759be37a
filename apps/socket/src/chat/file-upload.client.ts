import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InternalTokenService } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode, type ChatSendFile, type StoredFileRef } from '@chat/contracts';
import { HealthRegistry } from '@chat/observability';
import {
  UPLOAD_CHUNK_BYTES,
  bearerMetadata,
  channelReady,
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
    this.health.register('file', () => channelReady(this.client), { critical: false });
  }

  onApplicationShutdown(): void {
    this.client.close();
  }

  /** Uploads a whole file held in memory (chat:send with file.data). */
  async upload(
    file: ChatSendFile,
    roomId: string,
    uploaderId: string,
    correlationId: string,
  ): Promise<StoredFileRef> {
    const stream = this.open({ name: file.name, mime: file.mime }, roomId, uploaderId, correlationId);
    // A refusal ends the call early: the writes give up, the result says why.
    await stream.write(file.data).catch(() => undefined);
    stream.end();
    return stream.result;
  }

  /**
   * Opens an upload to the file service: bytes written go on as they come, with the gRPC
   * stream's backpressure (write resolves once the stream has taken the bytes), and `result`
   * settles when the file service has stored or refused the file. `timeoutMs` bounds the whole
   * call (default FILE_UPLOAD_TIMEOUT_MS).
   */
  open(
    file: { name: string; mime?: string },
    roomId: string,
    uploaderId: string,
    correlationId: string,
    timeoutMs = this.config.FILE_UPLOAD_TIMEOUT_MS,
  ): FileUploadStream {
    const token = this.tokens.sign({ scope: 'upload', roomId, uploaderId }, 'socket');
    let settle!: { resolve(ref: StoredFileRef): void; reject(error: AppError): void };
    const result = new Promise<StoredFileRef>((resolve, reject) => (settle = { resolve, reject }));
    result.catch(() => undefined); // awaited by whoever needs the file; a refusal is not unhandled
    // The call is over (answered, refused, cancelled, closed): a write to come gives up at once,
    // a write waiting on `whenEnded` gives up then.
    let ended = false;
    let resolveEnded!: (value: false) => void;
    const whenEnded = new Promise<false>((resolve) => (resolveEnded = resolve));
    const markEnded = () => {
      ended = true;
      resolveEnded(false);
    };
    const call = this.client.Upload(
      bearerMetadata(token),
      { deadline: Date.now() + timeoutMs },
      (error, stored) => {
        markEnded();
        if (error || !stored) {
          const code = errorCodeOf(error);
          if (code && PASSED_THROUGH.has(code))
            return settle.reject(new AppError(code, error?.details ?? 'file refused'));
          this.logger.warn({ cid: correlationId }, `upload failed: ${error?.message ?? 'no response'}`);
          return settle.reject(
            new AppError(ErrorCode.FILE_UPLOAD_FAILED, 'the file could not be uploaded; nothing was stored'),
          );
        }
        settle.resolve({
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
    // The call's stream queues up to 16 messages (1 MiB here) before write() says "wait": a
    // write resolves only when its last message has gone on to HTTP/2 (its callback), so what
    // the socket app holds per upload is the chunk in hand, not the call's queue.
    call.once('close', markEnded);
    const write = async (bytes: Uint8Array): Promise<void> => {
      const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let sent: Promise<boolean> = Promise.resolve(true);
      for (let offset = 0; offset < data.length; offset += UPLOAD_CHUNK_BYTES) {
        if (ended) throw new AppError(ErrorCode.FILE_UPLOAD_FAILED, 'the upload has ended');
        sent = new Promise((resolve) =>
          call.write({ chunk: data.subarray(offset, offset + UPLOAD_CHUNK_BYTES) }, (error?: Error | null) =>
            resolve(!error),
          ),
        );
      }
      if (!(await Promise.race([sent, whenEnded])))
        throw new AppError(ErrorCode.FILE_UPLOAD_FAILED, 'the upload has ended');
    };
    return {
      write,
      end: () => call.end(),
      cancel: () => call.cancel(),
      result,
    };
  }
}

/** An upload in progress to the file service (see FileUploadClient.open). */
export interface FileUploadStream {
  write(bytes: Uint8Array): Promise<void>;
  /** No more bytes: the file service checks and stores the file, then `result` settles. */
  end(): void;
  /** Abandons the upload: the file service discards what it received. */
  cancel(): void;
  result: Promise<StoredFileRef>;
}
