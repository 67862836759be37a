export {
  ChatClient,
  ChatError,
  type ChatClientEvents,
  type ChatClientOptions,
  type ConnectionState,
  type SendInput,
} from './chat-client.js';
export { refreshingToken, type RefreshingTokenOptions, type Session, type TokenSource } from './token.js';
export type {
  Message,
  MessageFile,
  PresenceUpdate,
  PresenceUser,
  ClientToServerEvents,
  ServerToClientEvents,
} from '@chat/contracts';
export { ErrorCode } from '@chat/contracts';
