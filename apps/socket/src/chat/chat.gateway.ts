import { Inject, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { RoomAccess } from '@chat/access';
import { TokenService, bearerToken, type AuthUser } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import {
  AppError,
  ErrorCode,
  SocketEvent,
  parseFileBegin,
  parseFileChunk,
  parseJoinPayload,
  parseRoomPayload,
  type Ack,
  type AckError,
  type FileBeginResult,
  type ClientToServerEvents,
  type Message,
  type PresenceUser,
  type RoomJoinResult,
  type ServerToClientEvents,
} from '@chat/contracts';
import { SpanKind, correlationId, inSpan, messageTraceparent, type Span } from '@chat/tracing';
import { RecoveryService } from '../delivery/recovery.service.js';
import { RoomFeed } from '../delivery/room-feed.service.js';
import { PresenceService } from '../presence/presence.service.js';
import { ChatService } from './chat.service.js';
import { SessionTimers } from './session-timers.js';
import { SocketLimits } from './socket-limits.js';
import { UploadSessions } from './upload-sessions.js';
import { SocketStats } from '../stats/socket-stats.js';
import { toAckError } from '../ack.js';
import { connectionLimits, markAuthenticated } from '../transport/connection-guard.js';
import { bindEvents, type EventTable } from '../transport/events.js';

interface SocketData {
  user: AuthUser;
  /** Expiry of the connection's access token (ms since epoch). */
  expiresAt: number;
  /** Rooms this connection has proven membership of: chat:send there needs no lookup. */
  verifiedRooms: Set<string>;
  /** Rooms this connection joined: it holds one reference on each room's live feed. */
  joinedRooms: Set<string>;
}

type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, SocketData>;

/** A handshake refusal: the client's connect_error carries `code` as its message and in `data`. */
function refusal(code: ErrorCode, message: string): Error {
  return Object.assign(new Error(code), { data: { code, message } });
}

/**
 * The realtime contract: JWT on the handshake, room:join (with replay of missed messages) /
 * room:leave, chat:send, presence, token refresh. Every event answers through its ack; errors
 * never escape as socket.io "exception" events. Stored messages reach the room through RoomFeed.
 */
@WebSocketGateway()
export class ChatGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown
{
  private readonly logger = new Logger(ChatGateway.name);
  @WebSocketServer() server: ChatServer;

  /** Every client event this gateway answers, and its handler: bound per connection. */
  private readonly events: EventTable<ChatSocket> = {
    [SocketEvent.RoomJoin]: (socket, body) => this.join(socket, body),
    [SocketEvent.RoomLeave]: (socket, body) => this.leave(socket, body),
    [SocketEvent.ChatSend]: (socket, body) => this.send(socket, body),
    [SocketEvent.FileBegin]: (socket, body) => this.fileBegin(socket, body),
    [SocketEvent.FileChunk]: (socket, body) => this.fileChunk(socket, body),
    [SocketEvent.PresenceGet]: (socket, body) => this.presenceOf(socket, body),
    [SocketEvent.AuthRefresh]: (socket, body) => this.refresh(socket, body),
    [SocketEvent.Ping]: () => this.ping(),
  };
  private draining = false;
  private inFlight = 0;
  private readonly connectionLimits;

  constructor(
    private readonly tokens: TokenService,
    private readonly chat: ChatService,
    private readonly access: RoomAccess,
    private readonly feed: RoomFeed,
    private readonly recovery: RecoveryService,
    private readonly presence: PresenceService,
    private readonly limits: SocketLimits,
    private readonly uploads: UploadSessions,
    private readonly sessions: SessionTimers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly stats: SocketStats,
  ) {
    this.connectionLimits = connectionLimits(config);
  }

  afterInit(server: ChatServer): void {
    this.feed.attach(server);
    server.use((socket, next) => {
      // The client's reconnection (with backoff) lands on another instance.
      if (this.draining) return next(refusal(ErrorCode.UNAVAILABLE, 'this instance is shutting down'));
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      const token = auth?.token ?? bearerToken(socket.handshake.headers.authorization);
      try {
        const { id, username, expiresAt } = this.tokens.verifyAccess(token);
        Object.assign(socket.data, {
          user: { id, username },
          expiresAt,
          verifiedRooms: new Set(),
          joinedRooms: new Set(),
        } satisfies SocketData);
        markAuthenticated(socket.conn, this.connectionLimits);
        next();
      } catch (error) {
        next(refusal(ErrorCode.UNAUTHORIZED, (error as Error).message));
      }
    });
  }

  handleConnection(socket: ChatSocket): void {
    this.stats.connected();
    this.presence.connected(socket.id, socket.data.user);
    // Round trip of engine.io's own heartbeat: no extra traffic.
    let pingSentAt = 0;
    socket.conn.on('packetCreate', (packet: { type: string }) => {
      if (packet.type === 'ping') pingSentAt = performance.now();
    });
    socket.conn.on('packet', (packet: { type: string }) => {
      if (packet.type === 'pong' && pingSentAt)
        this.presence.recordRtt(socket.id, performance.now() - pingSentAt);
    });
    this.sessions.schedule(socket, socket.data.expiresAt);
    bindEvents(socket, this.events, this.logger);
  }

  handleDisconnect(socket: ChatSocket): void {
    this.stats.disconnected();
    this.sessions.clear(socket);
    for (const roomId of socket.data.joinedRooms ?? []) this.releaseRoom(socket, roomId);
    socket.data.joinedRooms?.clear();
    void this.leavePresence(socket.id);
  }

  /**
   * room:join: the membership check, then the room's live feed, then (with lastMessageId) the
   * replay of what the client missed. A connection that has joined the room already (or is
   * joining it right now) is answered at once: its live messages flow with no gap, so nothing is
   * replayed again, and the feed is held once per connection whatever the client repeats.
   */
  async join(socket: ChatSocket, body: unknown): Promise<Ack<Partial<RoomJoinResult>>> {
    try {
      const { roomId, lastMessageId } = parseJoinPayload(body);
      const { user, verifiedRooms, joinedRooms } = socket.data;
      this.limits.takeJoin(user.id);
      await this.access.assertMember(roomId, user.id);
      verifiedRooms.add(roomId);
      // Without lastMessageId the ack is exactly {ok: true}, as before recovery existed.
      if (joinedRooms.has(roomId))
        return { ok: true, ...(lastMessageId && { replayed: 0, recovered: true }) };
      // Counted before the first await, so a concurrent join of the same room sees it.
      this.limits.admitRoom(user.id, joinedRooms.size);
      joinedRooms.add(roomId);
      try {
        await this.feed.acquire(roomId);
      } catch (error) {
        // acquire released its own reference; the connection's count goes with the room.
        if (joinedRooms.delete(roomId)) this.limits.releaseRoom(user.id);
        throw error;
      }
      let result: RoomJoinResult | undefined;
      try {
        if (lastMessageId) result = await this.recovery.joinAfter(socket, roomId, lastMessageId);
        else await socket.join(roomId);
      } catch (error) {
        // Not joined after all: a retry must replay again, not be answered "already joined".
        await socket.leave(roomId);
        if (joinedRooms.delete(roomId)) this.releaseRoom(socket, roomId);
        throw error;
      }
      // A room:leave (or a disconnect) that came while the replay ran has released the room.
      if (!joinedRooms.has(roomId)) {
        await socket.leave(roomId);
        return { ok: true, ...result };
      }
      if (await this.presence.joined(socket.id, roomId).catch(() => false)) this.announce(roomId, user, true);
      return { ok: true, ...result };
    } catch (error) {
      return this.fail(SocketEvent.RoomJoin, error);
    }
  }

  async leave(socket: ChatSocket, body: unknown): Promise<Ack> {
    try {
      const { roomId } = parseRoomPayload(body);
      this.limits.takeJoin(socket.data.user.id);
      await socket.leave(roomId);
      if (socket.data.joinedRooms.delete(roomId)) {
        this.releaseRoom(socket, roomId);
        if (await this.presence.left(socket.id, roomId).catch(() => false))
          this.announce(roomId, socket.data.user, false);
      }
      return { ok: true };
    } catch (error) {
      return this.fail(SocketEvent.RoomLeave, error);
    }
  }

  /**
   * file:begin: a new upload into a room the user may send to (the same check as chat:send, and
   * a send from the user's rate), or where an interrupted one stands.
   */
  async fileBegin(socket: ChatSocket, body: unknown): Promise<Ack<FileBeginResult>> {
    try {
      const payload = parseFileBegin(body);
      const { user } = socket.data;
      if ('uploadId' in payload)
        return { ok: true, ...(await this.uploads.resume(user.id, payload.uploadId)) };
      this.limits.takeSend(user.id);
      await this.assertMemberOnce(socket, payload.roomId);
      return { ok: true, ...this.uploads.begin(user.id, payload, correlationId(messageTraceparent())!) };
    } catch (error) {
      return this.fail(SocketEvent.FileBegin, error);
    }
  }

  /** file:chunk: acked once the chunk is on its way to the file service (the sender's credit). */
  async fileChunk(socket: ChatSocket, body: unknown): Promise<Ack<{ received: number }>> {
    try {
      return { ok: true, received: await this.uploads.chunk(socket.data.user.id, parseFileChunk(body)) };
    } catch (error) {
      return this.fail(SocketEvent.FileChunk, error);
    }
  }

  /** Gives back what a joined room held: the feed reference and the user's join count. */
  private releaseRoom(socket: ChatSocket, roomId: string): void {
    this.feed.release(roomId);
    this.limits.releaseRoom(socket.data.user.id);
  }

  /**
   * chat:send: validate, check membership, store, ack. The span is
   * the root of the message's trace: the gRPC upload, the XADD and, through the stream entry,
   * the worker's insert continue it.
   */
  send(socket: ChatSocket, body: unknown): Promise<Ack<{ message: Message }>> {
    return inSpan(SocketEvent.ChatSend, { kind: SpanKind.SERVER }, (span) =>
      this.handleSend(socket, body, span),
    );
  }

  private async handleSend(
    socket: ChatSocket,
    body: unknown,
    span: Span,
  ): Promise<Ack<{ message: Message }>> {
    const started = process.hrtime.bigint();
    this.stats.received();
    this.inFlight++;
    try {
      if (this.draining)
        throw new AppError(
          ErrorCode.STORE_FAILED,
          'this instance is shutting down; nothing was saved, retry',
        );
      const { user } = socket.data;
      this.limits.takeSend(user.id);
      const payload = this.chat.validate(body);
      await this.assertMemberOnce(socket, payload.roomId);
      // Storing also publishes it to the room, on every instance (RoomFeed).
      const { message, duplicate } = await this.chat.store(user, payload);
      this.stats.acked(Number(process.hrtime.bigint() - started) / 1e9, duplicate);
      if (span.isRecording())
        span.setAttributes({ 'chat.room_id': message.roomId, 'chat.message_id': message.id });
      return { ok: true, message };
    } catch (error) {
      const ack = this.fail(SocketEvent.ChatSend, error);
      span.setAttribute('chat.error_code', ack.error.code);
      return ack;
    } finally {
      this.inFlight--;
    }
  }

  async presenceOf(socket: ChatSocket, body: unknown): Promise<Ack<{ users: PresenceUser[] }>> {
    try {
      const { roomId } = parseRoomPayload(body);
      await this.assertMemberOnce(socket, roomId);
      return { ok: true, users: await this.presence.online(roomId) };
    } catch (error) {
      return this.fail(SocketEvent.PresenceGet, error);
    }
  }

  refresh(socket: ChatSocket, body: unknown): Ack<{ expiresAt: string }> {
    try {
      const token = (body as { token?: unknown } | null)?.token;
      const { id, expiresAt } = this.tokens.verifyAccess(token);
      if (id !== socket.data.user.id)
        throw new AppError(ErrorCode.UNAUTHORIZED, 'the token belongs to another user');
      socket.data.expiresAt = expiresAt;
      this.sessions.schedule(socket, expiresAt);
      return { ok: true, expiresAt: new Date(expiresAt).toISOString() };
    } catch (error) {
      return this.fail(SocketEvent.AuthRefresh, error);
    }
  }

  ping(): Ack<{ serverTime: number }> {
    return { ok: true, serverTime: Date.now() };
  }

  /**
   * SIGTERM: refuse new connections and sends, let the sends in flight finish (up to
   * SHUTDOWN_GRACE_MS), leave presence, then close the connections. Clients see a transport
   * close and reconnect by themselves, to another instance.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    const deadline = Date.now() + this.config.SHUTDOWN_GRACE_MS;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.inFlight > 0) this.logger.warn(`${this.inFlight} sends still in flight at shutdown`);
    const sockets = [...this.server.of('/').sockets.values()] as ChatSocket[];
    await Promise.all(sockets.map((socket) => this.leavePresence(socket.id)));
    for (const socket of sockets) socket.conn.close();
  }

  /** chat:send and presence:get on a room this connection has not proven membership of yet. */
  private async assertMemberOnce(socket: ChatSocket, roomId: string): Promise<void> {
    if (socket.data.verifiedRooms.has(roomId)) return;
    await this.access.assertMember(roomId, socket.data.user.id);
    socket.data.verifiedRooms.add(roomId);
  }

  /** Removes the connection from presence and tells the rooms where its user went offline. */
  private async leavePresence(socketId: string): Promise<void> {
    const result = await this.presence.disconnected(socketId).catch(() => null);
    result?.offlineIn.forEach((roomId) => this.announce(roomId, result.user, false));
  }

  private announce(roomId: string, user: AuthUser, online: boolean): void {
    this.server
      .to(roomId)
      .emit(SocketEvent.PresenceUpdate, { roomId, user: { id: user.id, username: user.username }, online });
  }

  private fail(event: string, error: unknown): AckError {
    const ack = toAckError(error, this.logger);
    this.stats.failed(ack.error.code, event);
    return ack;
  }
}
