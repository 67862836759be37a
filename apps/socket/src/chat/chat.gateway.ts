import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { TokenService, bearerToken, type AuthUser } from '@chat/auth';
import {
  AppError,
  ErrorCode,
  SocketEvent,
  parseRoomPayload,
  type Ack,
  type AckError,
  type ClientToServerEvents,
  type Message,
  type ServerToClientEvents,
} from '@chat/contracts';
import { MetricsService } from '@chat/observability';
import { ChatService } from './chat.service.js';
import { MembershipService } from './membership.service.js';

interface SocketData {
  user: AuthUser;
  /** Rooms this connection has proven membership of: chat:send there needs no lookup. */
  verifiedRooms: Set<string>;
}

type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, SocketData>;

function toAckError(error: unknown, logger: Logger): AckError {
  if (error instanceof AppError) return { ok: false, error: { code: error.code, message: error.message } };
  logger.error({ err: error }, 'unexpected error in socket handler');
  return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'internal error' } };
}

/**
 * The realtime contract: JWT on the handshake, room:join / room:leave, chat:send. Every event
 * answers through its ack; errors never escape as socket.io "exception" events.
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(ChatGateway.name);
  @WebSocketServer() server: Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;

  private readonly connections;
  private readonly sent;
  private readonly failures;
  private readonly ackLatency;

  constructor(
    private readonly tokens: TokenService,
    private readonly chat: ChatService,
    private readonly membership: MembershipService,
    metrics: MetricsService,
  ) {
    this.connections = metrics.gauge('chat_socket_connections', 'Open socket.io connections');
    this.sent = metrics.counter('chat_messages_stored_total', 'chat:send acked ok (duplicates excluded)');
    this.failures = metrics.counter('chat_socket_errors_total', 'Failed socket acks by error code', [
      'code',
      'event',
    ]);
    this.ackLatency = metrics.histogram(
      'chat_send_ack_seconds',
      'chat:send handling time until the ack',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    );
  }

  afterInit(server: Server): void {
    server.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      const token = auth?.token ?? bearerToken(socket.handshake.headers.authorization);
      try {
        const { id, username } = this.tokens.verifyAccess(token);
        (socket.data as SocketData).user = { id, username };
        (socket.data as SocketData).verifiedRooms = new Set();
        next();
      } catch (error) {
        const err = new Error(ErrorCode.UNAUTHORIZED) as Error & { data?: unknown };
        err.data = { code: ErrorCode.UNAUTHORIZED, message: (error as Error).message };
        next(err);
      }
    });
  }

  handleConnection(): void {
    this.connections.inc();
  }

  handleDisconnect(): void {
    this.connections.dec();
  }

  @SubscribeMessage(SocketEvent.RoomJoin)
  async join(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<Ack> {
    try {
      const { roomId } = parseRoomPayload(body);
      await this.membership.assertMember(roomId, socket.data.user.id);
      socket.data.verifiedRooms.add(roomId);
      await socket.join(roomId);
      return { ok: true };
    } catch (error) {
      return this.fail(SocketEvent.RoomJoin, error);
    }
  }

  @SubscribeMessage(SocketEvent.RoomLeave)
  async leave(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<Ack> {
    try {
      const { roomId } = parseRoomPayload(body);
      await socket.leave(roomId);
      return { ok: true };
    } catch (error) {
      return this.fail(SocketEvent.RoomLeave, error);
    }
  }

  @SubscribeMessage(SocketEvent.ChatSend)
  async send(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ message: Message }>> {
    const started = process.hrtime.bigint();
    try {
      const payload = this.chat.validate(body);
      const { user, verifiedRooms } = socket.data;
      if (!verifiedRooms.has(payload.roomId)) {
        await this.membership.assertMember(payload.roomId, user.id);
        verifiedRooms.add(payload.roomId);
      }
      const { message, duplicate } = await this.chat.store(user, payload);
      if (!duplicate) {
        // Everyone in the room on every instance, except this socket: it gets the ack instead.
        socket.to(message.roomId).emit(SocketEvent.ChatMessage, message);
        this.sent.inc();
      }
      this.ackLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return { ok: true, message };
    } catch (error) {
      return this.fail(SocketEvent.ChatSend, error);
    }
  }

  private fail(event: string, error: unknown): AckError {
    const ack = toAckError(error, this.logger);
    this.failures.inc({ code: ack.error.code, event });
    return ack;
  }
}
