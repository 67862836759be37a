import { AppError, ErrorCode } from './error-code.js';
import { parseUploadId } from './file-upload.validation.js';
import { parseRoomId } from './room-id.js';
import type { ChatSendPayload, RoomJoinPayload, RoomPayload } from './socket-events.js';
import { isStreamId } from './stream-id.js';

export interface ChatLimits {
  maxContentLength: number;
  maxFileBytes: number;
}

function invalid(message: string): AppError {
  return new AppError(ErrorCode.VALIDATION, message);
}

/** Validates `{roomId}` of room:join / room:leave. A well-formed id of no room is NOT_FOUND later. */
export function parseRoomPayload(payload: unknown): RoomPayload {
  if (typeof payload !== 'object' || payload === null) throw invalid('payload must be an object');
  return { roomId: parseRoomId((payload as Record<string, unknown>).roomId) };
}

/** room:join: the room, and optionally the last message the client has (to replay what follows). */
export function parseJoinPayload(payload: unknown): RoomJoinPayload {
  const { roomId } = parseRoomPayload(payload);
  const { lastMessageId } = payload as Record<string, unknown>;
  if (lastMessageId === undefined || lastMessageId === null) return { roomId };
  if (!isStreamId(lastMessageId))
    throw invalid('lastMessageId must be a message id such as "1732345678901-0"');
  return { roomId, lastMessageId };
}

/**
 * Validates a chat:send payload on the hot path: hand-written so that it costs a few
 * comparisons, and each message names the field that is wrong.
 */
export function parseChatSend(payload: unknown, limits: ChatLimits): ChatSendPayload {
  if (typeof payload !== 'object' || payload === null) throw invalid('payload must be an object');
  const p = payload as Record<string, unknown>;
  const roomId = parseRoomId(p.roomId);
  if (typeof p.clientMsgId !== 'string' || p.clientMsgId.length < 1 || p.clientMsgId.length > 64) {
    throw invalid('clientMsgId must be a string of 1 to 64 characters');
  }
  if (p.content !== undefined && typeof p.content !== 'string') throw invalid('content must be a string');
  const content = (p.content as string | undefined) ?? '';
  if (content.length > limits.maxContentLength) {
    throw invalid(`content must be at most ${limits.maxContentLength} characters`);
  }
  const result: ChatSendPayload = { roomId, clientMsgId: p.clientMsgId, content };
  if (p.file !== undefined && p.file !== null) {
    if (typeof p.file !== 'object') throw invalid('file must be an object {name, mime?, data}');
    const file = p.file as Record<string, unknown>;
    if (typeof file.name !== 'string' || file.name.length < 1 || file.name.length > 255) {
      throw invalid('file.name must be a string of 1 to 255 characters');
    }
    if (file.mime !== undefined && typeof file.mime !== 'string') throw invalid('file.mime must be a string');
    if (!(file.data instanceof Uint8Array))
      throw invalid('file.data must be binary (Buffer, ArrayBuffer view)');
    if (file.data.byteLength === 0) throw invalid('file.data must not be empty');
    if (file.data.byteLength > limits.maxFileBytes) {
      throw new AppError(ErrorCode.FILE_TOO_LARGE, `file must be at most ${limits.maxFileBytes} bytes`);
    }
    result.file = { name: file.name, mime: file.mime as string | undefined, data: file.data };
  } else if (p.uploadId !== undefined && p.uploadId !== null) {
    result.uploadId = parseUploadId(p.uploadId);
  } else if (content.trim().length === 0) {
    throw invalid('content must not be empty when no file is sent');
  }
  return result;
}
