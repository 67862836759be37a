import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InternalTokenService } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { bearerMetadata, channelReady, createFileServiceClient, type FileServiceClient } from '@chat/grpc';
import { HealthRegistry } from '@chat/observability';

/** Deadline of one Delete call. */
const DELETE_TIMEOUT_MS = 10_000;

/**
 * The worker's way to the file service: Delete, each call with a service token of scope
 * `delete` for that one file. The channel is dialled on first use, so a worker that never
 * deletes files never connects, and closed on shutdown. Once dialled, /health shows whether it
 * is connected (not critical: files wait to be deleted, messages are drained).
 */
@Injectable()
export class FileDeleteClient implements OnApplicationShutdown {
  private client: FileServiceClient | null = null;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: InternalTokenService,
    health: HealthRegistry,
  ) {
    health.register('file', async () => this.client && channelReady(this.client), { critical: false });
  }

  /** Deletes the file's bytes and metadata; resolves whether it existed. Idempotent. */
  delete(fileId: string): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('the worker is shutting down'));
    this.client ??= createFileServiceClient(this.config.FILE_GRPC_URL);
    const metadata = bearerMetadata(this.tokens.sign({ scope: 'delete', fileId }, 'worker'));
    return new Promise((resolve, reject) =>
      this.client!.Delete(
        { id: fileId },
        metadata,
        { deadline: Date.now() + DELETE_TIMEOUT_MS },
        (error, result) => (error ? reject(error) : resolve(result?.deleted ?? false)),
      ),
    );
  }

  /** Calls in flight still finish; later ones are refused. */
  onApplicationShutdown(): void {
    this.closed = true;
    this.client?.close();
  }
}
