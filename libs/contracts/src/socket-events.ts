import type { ErrorCode } from './error-code.js';
import type { AdminStats } from './admin-stats.js';
import type { Message } from './message.js';

/** Socket.io event names of the contract. */
export const SocketEvent = {
  RoomJoin: 'room:join',
  RoomLeave: 'room:leave',
  ChatSend: 'chat:send',
  FileBegin: 'file:begin',
  FileChunk: 'file:chunk',
  ChatMessage: 'chat:message',
  PresenceGet: 'presence:get',
  PresenceUpdate: 'presence:update',
  AuthRefresh: 'auth:refresh',
  AuthExpiring: 'auth:expiring',
  AuthExpired: 'auth:expired',
  Ping: 'conn:ping',
  AdminStatsSubscribe: 'admin:stats:subscribe',
  AdminStatsUnsubscribe: 'admin:stats:unsubscribe',
  AdminStats: 'admin:stats',
} as const;

export interface AckError {
  ok: false;
  error: { code: ErrorCode; message: string };
}
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

export interface RoomPayload {
  roomId: string;
}

export interface RoomJoinPayload extends RoomPayload {
  /**
   * The id of the newest message the client already has. The server then sends, as
   * `chat:message` events and before the ack, every message after it, in order, and live
   * messages after those: no gap, no duplicate.
   */
  lastMessageId?: string;
}

/** What the room:join ack adds when the join carried lastMessageId. */
export interface RoomJoinResult {
  /** Messages sent before the ack because they followed lastMessageId. */
  replayed: number;
  /**
   * False when more than RECOVERY_MAX_MESSAGES followed lastMessageId: the replay stopped before
   * the limit (`replayed` says how many came), live messages start now, and the client should
   * reload the room's history over REST for the gap. True otherwise.
   */
  recovered: boolean;
}

export interface PresenceUser {
  id: string;
  username: string;
}

export interface PresenceUpdate {
  roomId: string;
  user: PresenceUser;
  /** True when the user's first connection joined the room, false when the last one left. */
  online: boolean;
}

export interface ChatSendFile {
  name: string;
  mime?: string;
  data: Uint8Array;
}

export interface ChatSendPayload {
  roomId: string;
  clientMsgId: string;
  content?: string;
  /** A file small enough for one socket message (SOCKET_MAX_MESSAGE_BYTES); larger ones: uploadId. */
  file?: ChatSendFile;
  /** A file uploaded in chunks (file:begin, file:chunk), complete, into this room. */
  uploadId?: string;
}

/** file:begin, a new upload. */
export interface FileBeginPayload {
  roomId: string;
  name: string;
  mime?: string;
  /** The whole file's size in bytes. */
  size: number;
}

/** file:begin, resuming an upload after a reconnect. */
export interface FileResumePayload {
  uploadId: string;
}

export interface FileBeginResult {
  uploadId: string;
  /** The largest chunk the server takes. */
  chunkSize: number;
  /** Bytes received so far: the offset of the next chunk. */
  received: number;
}

export interface FileChunkPayload {
  uploadId: string;
  /** Must equal the bytes received so far (the acks' `received`, plus chunks in flight). */
  offset: number;
  data: Uint8Array;
}

/** Typed event maps for socket.io servers and clients. */
export interface ClientToServerEvents {
  'room:join': (payload: RoomJoinPayload, ack: (result: Ack<Partial<RoomJoinResult>>) => void) => void;
  'room:leave': (payload: RoomPayload, ack: (result: Ack) => void) => void;
  'chat:send': (payload: ChatSendPayload, ack: (result: Ack<{ message: Message }>) => void) => void;
  /** Starts (or resumes) an upload of a file in chunks. */
  'file:begin': (
    payload: FileBeginPayload | FileResumePayload,
    ack: (result: Ack<FileBeginResult>) => void,
  ) => void;
  /** One chunk; its ack is the credit for the next (keep at most a few unacknowledged). */
  'file:chunk': (payload: FileChunkPayload, ack: (result: Ack<{ received: number }>) => void) => void;
  /** Who is online in a room (a member's view). */
  'presence:get': (payload: RoomPayload, ack: (result: Ack<{ users: PresenceUser[] }>) => void) => void;
  /** A fresh access token for this connection; its user must be the connection's user. */
  'auth:refresh': (payload: { token: string }, ack: (result: Ack<{ expiresAt: string }>) => void) => void;
  /** Round trip for latency measurement; answers with the server's clock. */
  'conn:ping': (payload: object, ack: (result: Ack<{ serverTime: number }>) => void) => void;
  /** Admins only (ADMIN_USERNAMES): the snapshot now, then `admin:stats` every second. */
  'admin:stats:subscribe': (payload: object, ack: (result: Ack<{ stats: AdminStats }>) => void) => void;
  'admin:stats:unsubscribe': (payload: object, ack: (result: Ack) => void) => void;
}

export interface ServerToClientEvents {
  'chat:message': (message: Message) => void;
  'presence:update': (update: PresenceUpdate) => void;
  /** The access token expires soon: send `auth:refresh` with a new one before `expiresAt`. */
  'auth:expiring': (notice: { expiresAt: string }) => void;
  /** The token expired without a refresh; the server disconnects right after this event. */
  'auth:expired': (error: { code: ErrorCode; message: string }) => void;
  /** Every second to subscribed admins: the whole deployment's live figures. */
  'admin:stats': (stats: AdminStats) => void;
}
