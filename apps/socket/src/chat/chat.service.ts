import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode, draftToMessage, parseChatSend, type Message } from '@chat/contracts';
import { ChatStreamRepository } from '@chat/redis';

export interface SendResult {
  message: Message;
  /** True when (sender, clientMsgId) was stored before: ack the original, do not broadcast. */
  duplicate: boolean;
}

/** Validates and stores one chat message: XADD to the room's stream is what makes it durable. */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);
  private readonly limits: { maxContentLength: number; maxFileBytes: number };

  constructor(
    private readonly stream: ChatStreamRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limits = { maxContentLength: config.MAX_CONTENT_LENGTH, maxFileBytes: config.MAX_FILE_BYTES };
  }

  validate(payload: unknown) {
    return parseChatSend(payload, this.limits);
  }

  async store(user: AuthUser, payload: ReturnType<ChatService['validate']>): Promise<SendResult> {
    if (payload.file) {
      // The file service (gRPC upload) is not part of this build yet: refuse rather than drop the file.
      throw new AppError(ErrorCode.FILE_UPLOAD_FAILED, 'file uploads are not available on this server yet');
    }
    try {
      const result = await this.stream.append({
        roomId: payload.roomId,
        senderId: user.id,
        senderName: user.username,
        content: payload.content ?? '',
        clientMsgId: payload.clientMsgId,
      });
      return { message: draftToMessage(result.id, result.draft), duplicate: result.duplicate };
    } catch (error) {
      this.logger.warn(`XADD failed: ${(error as Error).message}`);
      throw new AppError(
        ErrorCode.STORE_FAILED,
        'message could not be stored; nothing was saved, safe to retry',
      );
    }
  }
}
