import { Inject, Injectable, Logger } from '@nestjs/common';
import { FileUrlSigner, type AuthUser } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import {
  AppError,
  ErrorCode,
  draftToMessage,
  parseChatSend,
  type Message,
  type StoredFileRef,
} from '@chat/contracts';
import { MessageAppender } from '@chat/message-log';
import { failedBeforeSending } from '@chat/redis';
import { correlationId, messageTraceparent } from '@chat/tracing';
import { FileUploadClient } from './file-upload.client.js';
import { UploadSessions } from './upload-sessions.js';

export interface SendResult {
  message: Message;
  /** True when (sender, clientMsgId) was stored before: ack the original, do not broadcast. */
  duplicate: boolean;
}

/**
 * Validates and stores one chat message: a file first goes to the file service over gRPC (sent
 * inline, or uploaded before in chunks: UploadSessions), then the XADD to the room's stream is
 * what makes the message durable.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);
  private readonly limits: { maxContentLength: number; maxFileBytes: number };

  constructor(
    private readonly stream: MessageAppender,
    private readonly files: FileUploadClient,
    private readonly uploads: UploadSessions,
    private readonly signer: FileUrlSigner,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limits = { maxContentLength: config.MAX_CONTENT_LENGTH, maxFileBytes: config.MAX_FILE_BYTES };
  }

  validate(payload: unknown) {
    return parseChatSend(payload, this.limits);
  }

  async store(user: AuthUser, payload: ReturnType<ChatService['validate']>): Promise<SendResult> {
    // The send's span (or a fresh id): the message's trace and correlation id from here on.
    const trace = messageTraceparent();
    let file: StoredFileRef | undefined;
    if (payload.file || payload.uploadId) {
      // A retried file message must not upload the file again (nor find its upload gone).
      const previous = await this.stream
        .findDuplicate(payload.roomId, user.id, payload.clientMsgId)
        .catch(() => null);
      if (previous)
        return { message: this.signer.withUrl(draftToMessage(previous.id, previous.draft)), duplicate: true };
      file = payload.file
        ? await this.files.upload(payload.file, payload.roomId, user.id, correlationId(trace)!)
        : await this.uploads.stored(user.id, payload.uploadId!, payload.roomId, payload.clientMsgId);
    }
    try {
      const result = await this.stream.append({
        roomId: payload.roomId,
        senderId: user.id,
        senderName: user.username,
        content: payload.content ?? '',
        clientMsgId: payload.clientMsgId,
        ...(file && { file }),
        trace,
      });
      if (payload.uploadId) this.uploads.finish(payload.uploadId);
      return {
        message: this.signer.withUrl(draftToMessage(result.id, result.draft)),
        duplicate: result.duplicate,
      };
    } catch (error) {
      this.logger.warn(
        { cid: correlationId(trace), roomId: payload.roomId },
        `XADD failed: ${(error as Error).message}`,
      );
      if (failedBeforeSending(error))
        throw new AppError(
          ErrorCode.STORE_FAILED,
          'message could not be stored; nothing was saved, safe to retry',
        );
      throw new AppError(
        ErrorCode.STORE_UNKNOWN,
        'the store did not confirm in time; the message may be saved: retry with the same clientMsgId',
      );
    }
  }
}
