import { Inject, Injectable, Logger } from '@nestjs/common';
import { status, type ServerReadableStream } from '@grpc/grpc-js';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { ErrorCode } from '@chat/contracts';
import { FilesRepository, type FileDoc } from '@chat/database';
import {
  UPLOAD_CHUNK_BYTES,
  errorCodeOf,
  grpcError,
  type StoredFile,
  type UploadMetadata__Output,
  type UploadRequest__Output,
} from '@chat/grpc';
import { MetricsService } from '@chat/observability';
import { FILE_STORAGE, type FileStorage, type TempUpload } from '../storage/file-storage.js';
import { displayName } from './display-name.js';
import { DETECTION_BYTES, TextSniffer, detectAllowedType } from './file-type.policy.js';
import { UnstrippableImageError } from './image-metadata.js';
import { ImageMetadataService } from './image-metadata.service.js';
import { ThumbnailService } from './thumbnail.service.js';

type UploadCall = ServerReadableStream<UploadRequest__Output, StoredFile>;

/** Whose file it is: from the caller's service token, never from the upload's metadata. */
export interface UploadOwner {
  roomId: string;
  uploaderId: string;
}

const invalid = (message: string) => grpcError(status.INVALID_ARGUMENT, ErrorCode.VALIDATION, message);

/**
 * Receives one upload stream: metadata first, then chunks written straight to a temporary file
 * (pausing the stream while the disk catches up, so memory stays bounded by a few chunks), with
 * the size limit enforced as bytes arrive, the type detected from the first bytes and whether
 * the whole file is text followed chunk by chunk. An image's metadata is removed
 * (STRIP_IMAGE_METADATA). Only a file that passed every check is put into place and recorded in
 * MongoDB, in the room and under the uploader its caller's token names.
 */
@Injectable()
export class UploadService {
  private readonly logger = new Logger(UploadService.name);
  private readonly uploads;
  private readonly bytes;

  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    private readonly files: FilesRepository,
    private readonly thumbnails: ThumbnailService,
    private readonly imageMetadata: ImageMetadataService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.uploads = metrics.counter('chat_file_uploads_total', 'Uploads by result and rejection reason', [
      'result',
      'reason',
    ]);
    this.bytes = metrics.counter('chat_file_upload_bytes_total', 'Bytes of stored uploads');
  }

  async upload(call: UploadCall, owner: UploadOwner): Promise<StoredFile> {
    const id = randomBytes(16).toString('hex');
    // Assigned inside the stream handler: an object keeps TypeScript's narrowing honest.
    const state: { temp: TempUpload | null; metadata: UploadMetadata__Output | null } = {
      temp: null,
      metadata: null,
    };
    const hash = createHash('sha256');
    const text = new TextSniffer();
    const head: Buffer[] = [];
    let headBytes = 0;
    let size = 0;
    try {
      await consume(call, async (message) => {
        if (!state.metadata) {
          if (message.part !== 'metadata' || !message.metadata)
            throw invalid('the first message must carry the metadata');
          state.metadata = validateMetadata(message.metadata);
          state.temp = await this.storage.createTemp(id);
          return;
        }
        if (message.part !== 'chunk' || !message.chunk)
          throw invalid('after the metadata only chunks may follow');
        const chunk = message.chunk;
        if (chunk.length > UPLOAD_CHUNK_BYTES)
          throw invalid(`chunks must be at most ${UPLOAD_CHUNK_BYTES} bytes`);
        size += chunk.length;
        if (size > this.config.MAX_FILE_BYTES) {
          throw grpcError(
            status.RESOURCE_EXHAUSTED,
            ErrorCode.FILE_TOO_LARGE,
            `file must be at most ${this.config.MAX_FILE_BYTES} bytes`,
          );
        }
        if (headBytes < DETECTION_BYTES) {
          head.push(chunk);
          headBytes += chunk.length;
        }
        hash.update(chunk);
        text.push(chunk);
        if (!state.temp!.stream.write(chunk)) await once(state.temp!.stream, 'drain');
      });
      const { metadata: meta, temp: upload } = state;
      if (!meta || !upload) throw invalid('no metadata received');
      upload.stream.end();
      await finished(upload.stream);
      if (size === 0) throw invalid('the file is empty');
      const type = await detectAllowedType(Buffer.concat(head).subarray(0, DETECTION_BYTES), text.end());
      if (!type)
        throw grpcError(
          status.INVALID_ARGUMENT,
          ErrorCode.FILE_TYPE_REJECTED,
          'this type of file is not accepted',
        );

      const storageKey = `${id.slice(0, 2)}/${id}.${type.ext}`;
      const stripped = await this.imageMetadata.strip(upload.key, type.mime).catch((error: unknown) => {
        if (!(error instanceof UnstrippableImageError)) throw error;
        throw grpcError(
          status.INVALID_ARGUMENT,
          ErrorCode.FILE_TYPE_REJECTED,
          'this image carries metadata that could not be removed',
        );
      });
      let sha256: string;
      if (stripped) {
        // What is stored is the stripped image: its own size and hash (the ETag).
        await this.storage.put(storageKey, stripped);
        await this.storage.discard(upload.key);
        size = stripped.length;
        sha256 = createHash('sha256').update(stripped).digest('hex');
      } else {
        await this.storage.commit(upload.key, storageKey);
        sha256 = hash.digest('hex');
      }
      state.temp = null;
      const thumbnailKey = await this.thumbnails.create(id, type.mime, storageKey);
      const now = new Date();
      const doc: FileDoc = {
        _id: id,
        roomId: owner.roomId,
        uploaderId: owner.uploaderId,
        name: displayName(meta.name),
        mime: type.mime,
        size,
        sha256,
        storageKey,
        thumbnailKey,
        createdAt: now,
        expiresAt:
          this.config.FILE_RETENTION_DAYS > 0
            ? new Date(now.getTime() + this.config.FILE_RETENTION_DAYS * 86_400_000)
            : null,
      };
      await this.files.create(doc);
      this.uploads.inc({ result: 'stored', reason: '' });
      this.logger.log(
        { cid: meta.correlation_id, fileId: id, mime: type.mime, size, stripped: stripped !== null },
        'file stored',
      );
      this.bytes.inc(size);
      return toStoredFile(doc);
    } catch (error) {
      // The rejection reason is the error code (FILE_TOO_LARGE, FILE_TYPE_REJECTED, ...).
      const reason = errorCodeOf(error) ?? 'INTERNAL';
      this.uploads.inc({ result: 'rejected', reason });
      this.logger.log(
        { cid: state.metadata?.correlation_id, reason },
        `upload rejected: ${(error as Error).message}`,
      );
      const pending = state.temp;
      if (pending) {
        pending.stream.destroy();
        await this.storage
          .discard(pending.key)
          .catch((e: Error) => this.logger.warn(`could not discard ${pending.key}: ${e.message}`));
      }
      throw error;
    }
  }
}

/** The gRPC view of a stored file's metadata. */
export function toStoredFile(file: FileDoc): StoredFile {
  return {
    id: file._id,
    name: file.name,
    mime: file.mime,
    size: file.size,
    sha256: file.sha256,
    room_id: file.roomId,
    uploader_id: file.uploaderId,
    created_at_ms: file.createdAt.getTime(),
    expires_at_ms: file.expiresAt?.getTime() ?? 0,
    has_thumbnail: file.thumbnailKey !== null,
  };
}

/** room_id and uploader_id of the metadata are ignored: they come from the caller's token. */
function validateMetadata(meta: UploadMetadata__Output): UploadMetadata__Output {
  if (!meta.name || meta.name.length > 255) throw invalid('metadata.name must be 1 to 255 characters');
  return meta;
}

/**
 * Feeds each message to `handle` one at a time, pausing the stream while it runs (backpressure),
 * and settles when the client has finished sending or a handler throws.
 */
function consume(call: UploadCall, handle: (message: UploadRequest__Output) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let chain = Promise.resolve();
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      call.removeAllListeners('data');
      reject(error);
    };
    call.on('data', (message: UploadRequest__Output) => {
      call.pause();
      chain = chain.then(async () => {
        if (failed) return;
        await handle(message);
        call.resume();
      });
      chain.catch(fail);
    });
    call.on('end', () => void chain.then(() => !failed && resolve(), fail));
    call.on('error', fail);
    call.on('cancelled', () =>
      fail(grpcError(status.CANCELLED, ErrorCode.FILE_UPLOAD_FAILED, 'upload cancelled by the client')),
    );
  });
}
