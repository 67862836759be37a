export { ChatError } from './errors.js';
export {
  ChatClient,
  type ChatClientEvents,
  type ChatClientOptions,
  type ConnectionState,
  type SendInput,
  type SendProgress,
} from './chat-client.js';
export { refreshingToken, type RefreshingTokenOptions, type Session, type TokenSource } from './token.js';
export type {
  Message,
  MessageFile,
  MessagePage,
  PresenceUpdate,
  PresenceUser,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../contracts/src/index.js';
export { ErrorCode, compareStreamIds } from '../../contracts/src/index.js';
