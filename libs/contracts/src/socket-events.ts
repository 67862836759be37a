import type { ErrorCode } from './error-code.js';
import type { Message } from './message.js';

/** Socket.io event names of the contract. */
export const SocketEvent = {
  RoomJoin: 'room:join',
  RoomLeave: 'room:leave',
  ChatSend: 'chat:send',
  ChatMessage: 'chat:message',
} as const;

export interface AckError {
  ok: false;
  error: { code: ErrorCode; message: string };
}
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

export interface RoomPayload {
  roomId: string;
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
  file?: ChatSendFile;
}

/** Typed event maps for socket.io servers and clients. */
export interface ClientToServerEvents {
  'room:join': (payload: RoomPayload, ack: (result: Ack) => void) => void;
  'room:leave': (payload: RoomPayload, ack: (result: Ack) => void) => void;
  'chat:send': (payload: ChatSendPayload, ack: (result: Ack<{ message: Message }>) => void) => void;
}

export interface ServerToClientEvents {
  'chat:message': (message: Message) => void;
}
