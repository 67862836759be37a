export {
  parseChatSend,
  parseJoinPayload,
  parseRoomPayload,
  type ChatLimits,
} from './chat-send.validation.js';
export { AppError, ErrorCode, HTTP_STATUS_BY_CODE } from './error-code.js';
export { parseFileBegin, parseFileChunk, parseUploadId } from './file-upload.validation.js';
export {
  ROOM_ID_DESCRIPTION,
  ROOM_ID_EXAMPLE,
  ROOM_ID_PATTERN,
  isLegacyRoomId,
  isRoomId,
  parseRoomId,
} from './room-id.js';
export type { Message, MessageDraft, MessageFile, MessagePage, StoredFileRef } from './message.js';
export {
  SocketEvent,
  type Ack,
  type AckError,
  type ChatSendFile,
  type ChatSendPayload,
  type ClientToServerEvents,
  type FileBeginPayload,
  type FileBeginResult,
  type FileChunkPayload,
  type FileResumePayload,
  type PresenceUpdate,
  type PresenceUser,
  type RoomJoinPayload,
  type RoomJoinResult,
  type RoomPayload,
  type ServerToClientEvents,
} from './socket-events.js';
export {
  PoisonEntryError,
  STREAM_FIELD,
  decodeEntries,
  decodeDraft,
  decodeEntry,
  draftToMessage,
  encodeDraft,
  parseDraft,
  publicFile,
} from './stream-codec.js';
export {
  compareStreamIds,
  isStreamId,
  mergeMessages,
  parseStreamId,
  sortableStreamId,
  streamIdTime,
  type ParsedStreamId,
} from './stream-id.js';
export {
  aggregateStats,
  type AdminStats,
  type BacklogStats,
  type SocketInstanceStats,
} from './admin-stats.js';
export { buildAsyncApiDocument } from './asyncapi.js';
