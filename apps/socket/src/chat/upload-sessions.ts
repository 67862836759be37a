import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import {
  AppError,
  ErrorCode,
  type FileBeginPayload,
  type FileChunkPayload,
  type StoredFileRef,
} from '@chat/contracts';
import { FileUploadClient, type FileUploadStream } from './file-upload.client.js';

/** Chunks a session takes before the earlier ones are written on: the client's window. */
const MAX_QUEUED_CHUNKS = 4;

interface UploadSession {
  id: string;
  /** The clientMsgId of the chat:send that uses this upload: the only one that may. */
  sentAs?: string;
  userId: string;
  roomId: string;
  size: number;
  /** Bytes acknowledged: written on to the file service. */
  received: number;
  /** Bytes accepted, queued or written: where the next chunk must start. */
  accepted: number;
  queued: number;
  /** The chunks, written one after the other. */
  tail: Promise<void>;
  stream: FileUploadStream;
  /** Forgets an idle session (see UPLOAD_IDLE_TIMEOUT_SEC); reset by every chunk. */
  timer: NodeJS.Timeout;
}

export interface UploadProgress {
  uploadId: string;
  chunkSize: number;
  received: number;
}

/**
 * Files larger than one socket message arrive in chunks (file:begin, file:chunk ×N, then
 * chat:send with the uploadId) and go straight on to the file service's gRPC upload stream as
 * they arrive: the server holds at most MAX_QUEUED_CHUNKS chunks of an upload, and the ack of a
 * chunk, the client's credit for the next, comes once the gRPC stream has taken it, so a slow
 * file service slows the sender rather than filling memory.
 *
 * A session lives on the instance that began it, across reconnects of its user: `file:begin
 * {uploadId}` answers how much was received and the client continues from there (the compose
 * proxy sends a client back to the same instance; elsewhere the answer is NOT_FOUND and the
 * client begins again). A session idle for UPLOAD_IDLE_TIMEOUT_SEC, or not sent within
 * UPLOAD_SESSION_TTL_SEC, is cancelled and the file service discards it (a file already stored
 * and never sent is deleted by the worker's orphan sweep).
 */
@Injectable()
export class UploadSessions implements OnApplicationShutdown {
  private readonly sessions = new Map<string, UploadSession>();
  private readonly perUser = new Map<string, number>();

  constructor(
    private readonly files: FileUploadClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get chunkSize(): number {
    return this.config.UPLOAD_CHUNK_BYTES;
  }

  /** A new upload into a room the caller may send to (checked by the caller). */
  begin(userId: string, payload: FileBeginPayload, correlationId: string): UploadProgress {
    if (payload.size > this.config.MAX_FILE_BYTES)
      throw new AppError(
        ErrorCode.FILE_TOO_LARGE,
        `file must be at most ${this.config.MAX_FILE_BYTES} bytes`,
      );
    // What the uploads of an instance hold is bounded: each at most MAX_QUEUED_CHUNKS chunks.
    if (this.sessions.size >= this.config.MAX_UPLOADS_PER_INSTANCE)
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        'the server has too many uploads in progress; try again shortly',
      );
    const open = this.perUser.get(userId) ?? 0;
    if (open >= this.config.MAX_UPLOADS_PER_USER)
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        `at most ${this.config.MAX_UPLOADS_PER_USER} uploads at a time; finish or abandon one first`,
      );
    const id = randomUUID();
    const stream = this.files.open(
      { name: payload.name, mime: payload.mime },
      payload.roomId,
      userId,
      correlationId,
      this.config.UPLOAD_SESSION_TTL_SEC * 1000,
    );
    const session: UploadSession = {
      id,
      userId,
      roomId: payload.roomId,
      size: payload.size,
      received: 0,
      accepted: 0,
      queued: 0,
      tail: Promise.resolve(),
      stream,
      timer: this.idleTimer(id),
    };
    // The file service refused (type, size) or failed: the session ends; its next chunk says why.
    stream.result.catch(() => undefined);
    this.sessions.set(id, session);
    this.perUser.set(userId, open + 1);
    return { uploadId: id, chunkSize: this.chunkSize, received: 0 };
  }

  /**
   * Where an interrupted upload of the caller stands, once the chunks it accepted are written
   * (so `received` is where the next chunk must start).
   */
  async resume(userId: string, uploadId: string): Promise<UploadProgress> {
    const session = this.owned(userId, uploadId);
    await session.tail;
    return { uploadId, chunkSize: this.chunkSize, received: session.received };
  }

  /** Takes the next chunk; resolves with the bytes received once it is written on. */
  async chunk(userId: string, payload: FileChunkPayload): Promise<number> {
    const session = this.owned(userId, payload.uploadId);
    const length = payload.data.byteLength;
    if (payload.offset !== session.accepted)
      throw new AppError(
        ErrorCode.VALIDATION,
        `offset must be ${session.accepted} (the bytes received so far), not ${payload.offset}`,
      );
    if (length > this.chunkSize)
      throw new AppError(ErrorCode.VALIDATION, `data must be at most ${this.chunkSize} bytes`);
    if (session.accepted + length > session.size)
      throw new AppError(ErrorCode.VALIDATION, `the chunk goes past the file's size, ${session.size} bytes`);
    if (session.queued >= MAX_QUEUED_CHUNKS)
      throw new AppError(ErrorCode.RATE_LIMITED, 'too many chunks unacknowledged; wait for their acks');
    session.accepted += length;
    session.queued++;
    this.touch(session);
    const written = session.tail.then(async () => {
      await session.stream.write(payload.data);
      session.received += length;
      if (session.received === session.size) session.stream.end();
    });
    session.tail = written.catch(() => undefined);
    try {
      await written;
    } catch {
      // The stream ended: the file service's answer (a refusal, a failure) is the reason.
      this.forget(session, true);
      await session.stream.result;
      throw new AppError(ErrorCode.FILE_UPLOAD_FAILED, 'the upload has ended; begin again');
    } finally {
      session.queued--;
    }
    return session.received;
  }

  /**
   * The stored file of a complete upload into `roomId`, for chat:send. An upload not complete
   * yet is VALIDATION (send its remaining chunks first). The session stays until finish(): a
   * send that failed to store can be retried with the same uploadId.
   */
  async stored(
    userId: string,
    uploadId: string,
    roomId: string,
    clientMsgId: string,
  ): Promise<StoredFileRef> {
    const session = this.owned(userId, uploadId);
    if (session.roomId !== roomId) throw new AppError(ErrorCode.VALIDATION, 'the upload is for another room');
    // One upload, one message: a retry carries the same clientMsgId (and is deduplicated).
    if (session.sentAs !== undefined && session.sentAs !== clientMsgId)
      throw new AppError(ErrorCode.CONFLICT, 'this upload is already being sent as another message');
    if (session.received < session.size)
      throw new AppError(
        ErrorCode.VALIDATION,
        `the upload is incomplete: ${session.received} of ${session.size} bytes received`,
      );
    session.sentAs = clientMsgId;
    try {
      return await session.stream.result;
    } catch (error) {
      this.forget(session, false);
      throw error;
    }
  }

  /** The upload's message is stored: the session ends. */
  finish(uploadId: string): void {
    const session = this.sessions.get(uploadId);
    if (session) this.forget(session, false);
  }

  onApplicationShutdown(): void {
    for (const session of this.sessions.values()) this.forget(session, true);
  }

  private owned(userId: string, uploadId: string): UploadSession {
    const session = this.sessions.get(uploadId);
    // Another user's upload is as unknown as an expired one.
    if (!session || session.userId !== userId)
      throw new AppError(ErrorCode.NOT_FOUND, 'no such upload (unknown, expired or finished); begin again');
    return session;
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const session = this.sessions.get(id);
      if (session) this.forget(session, true);
    }, this.config.UPLOAD_IDLE_TIMEOUT_SEC * 1000);
    timer.unref();
    return timer;
  }

  private touch(session: UploadSession): void {
    clearTimeout(session.timer);
    session.timer = this.idleTimer(session.id);
  }

  private forget(session: UploadSession, cancel: boolean): void {
    if (this.sessions.get(session.id) !== session) return;
    clearTimeout(session.timer);
    this.sessions.delete(session.id);
    const open = (this.perUser.get(session.userId) ?? 1) - 1;
    if (open > 0) this.perUser.set(session.userId, open);
    else this.perUser.delete(session.userId);
    if (cancel) session.stream.cancel();
  }
}
