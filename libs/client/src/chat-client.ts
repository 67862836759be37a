import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  ErrorCode,
  SocketEvent,
  compareStreamIds,
  type Ack,
  type ClientToServerEvents,
  type Message,
  type PresenceUpdate,
  type PresenceUser,
  type ServerToClientEvents,
} from '../../contracts/src/index.js';
import { Emitter } from './emitter.js';
import { ChatError } from './errors.js';
import { resolveToken, type TokenSource } from './token.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ChatClientOptions {
  /** The socket app, e.g. http://127.0.0.1:3001. */
  url: string;
  token: TokenSource;
  /** Reconnection backoff: initial delay, cap, and jitter (0..1). Default 500 ms, 10 s, 0.5. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; jitter?: number };
  /** A send not acked within this is sent again with the same clientMsgId. Default 10 s. */
  ackTimeoutMs?: number;
  /** How often to measure latency while connected. Default 10 s; 0 turns it off. */
  pingIntervalMs?: number;
  /**
   * The server's file size limit (MAX_FILE_BYTES; default 10 MiB): a bigger file is refused here
   * with FILE_TOO_LARGE instead of being uploaded.
   */
  maxFileBytes?: number;
  /** Passed to socket.io-client (e.g. transports, path). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

export interface SendInput {
  content?: string;
  file?: { name: string; mime?: string; data: Uint8Array | ArrayBuffer | Blob };
  /** Chosen by the client for idempotency; generated when omitted. */
  clientMsgId?: string;
  /**
   * Told how much of a file the server has received (each chunk's ack; a small file sent inline
   * reports 0 and the end). At `sentBytes === totalBytes` the server is still checking and
   * storing the file: the send resolves when it is durable.
   */
  onProgress?: (progress: SendProgress) => void;
}

export interface SendProgress {
  sentBytes: number;
  totalBytes: number;
}

export interface ChatClientEvents {
  /** Every message of every joined room, once, in order per room: live, replayed, and your own. */
  message: (message: Message) => void;
  state: (state: ConnectionState) => void;
  presence: (update: PresenceUpdate) => void;
  /** A room was (re)joined; `replayed` messages it had missed were delivered before this. */
  joined: (info: { roomId: string; replayed: number; recovered: boolean }) => void;
  /**
   * The room could not be recovered (too far behind): reload its history over REST; live
   * messages continue.
   */
  gap: (info: { roomId: string }) => void;
  latency: (ms: number) => void;
  /** Problems the client handles itself (it keeps retrying); for logs. */
  error: (error: Error) => void;
}

interface RoomState {
  /** Newest message delivered to the app for this room. */
  lastMessageId: string | null;
}

interface Outgoing {
  roomId: string;
  clientMsgId: string;
  content?: string;
  file?: SendInput['file'];
  onProgress?: SendInput['onProgress'];
  resolve: (message: Message) => void;
  reject: (error: Error) => void;
  /** Sent on the current connection and waiting for its ack. */
  inFlight: boolean;
  /** The file's chunked upload, kept across reconnects so it resumes where it stood. */
  uploadId?: string;
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Codes after which a send is retried with the same clientMsgId (nothing was stored, or the
 * outcome is unknown and idempotency makes the retry safe); anything else is final.
 */
const RETRYABLE = new Set<string>([
  ErrorCode.STORE_FAILED,
  ErrorCode.STORE_UNKNOWN,
  ErrorCode.RATE_LIMITED,
  ErrorCode.UNAVAILABLE,
]);

/** Files up to this size go inside the chat:send; larger ones in chunks (file:begin, file:chunk). */
const INLINE_FILE_BYTES = 64 * 1024;
/** Chunks sent ahead of their acks: enough to keep a link busy, a bounded amount for the server. */
const CHUNK_WINDOW = 3;

function byteSize(data: Uint8Array | ArrayBuffer | Blob): number {
  return data instanceof Uint8Array || data instanceof ArrayBuffer ? data.byteLength : data.size;
}

function newClientMsgId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * A chat connection that survives the network: it reconnects with exponential backoff and
 * jitter, rejoins its rooms asking for what it missed (so each room's messages arrive exactly
 * once and in order), queues sends while offline and resends them with the same clientMsgId
 * (so nothing doubles), and refreshes its access token before it expires.
 */
export class ChatClient extends Emitter<ChatClientEvents> {
  private readonly socket: ClientSocket;
  private readonly rooms = new Map<string, RoomState>();
  private readonly outbox = new Map<string, Outgoing>();
  private readonly ackTimeoutMs: number;
  private readonly backoff: { initial: number; max: number; jitter: number };
  private currentState: ConnectionState = 'connecting';
  private latency: number | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private manualAttempts = 0;

  constructor(private readonly options: ChatClientOptions) {
    super();
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.backoff = {
      initial: options.reconnect?.initialDelayMs ?? 500,
      max: options.reconnect?.maxDelayMs ?? 10_000,
      jitter: options.reconnect?.jitter ?? 0.5,
    };
    this.socket = io(options.url, {
      transports: ['websocket'],
      autoConnect: false,
      reconnectionDelay: this.backoff.initial,
      reconnectionDelayMax: this.backoff.max,
      randomizationFactor: this.backoff.jitter,
      // Asked at every (re)connection, so a reconnect never presents an expired token.
      auth: (cb) => {
        resolveToken(options.token).then(
          (token) => cb({ token }),
          (error: Error) => {
            this.emit('error', error);
            cb({ token: '' });
          },
        );
      },
      ...options.socketOptions,
    }) as ClientSocket;
    this.wire();
  }

  /** Opens the connection; resolves once connected (the client keeps trying until then). */
  connect(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    const connected = new Promise<void>((resolve) => {
      const off = this.on('state', (state) => {
        if (state === 'connected') {
          off();
          resolve();
        }
      });
    });
    this.socket.connect();
    return connected;
  }

  /** Closes for good: queued sends are rejected. */
  close(): void {
    this.setState('closed');
    this.clearTimers();
    this.socket.disconnect();
    for (const item of this.outbox.values()) item.reject(new ChatError('CLOSED', 'client closed'));
    this.outbox.clear();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Last measured round trip in ms, or null before the first measurement. */
  get latencyMs(): number | null {
    return this.latency;
  }

  /** Sends waiting for an ack (queued while offline, or in flight). */
  get pending(): number {
    return this.outbox.size;
  }

  /** The newest message received in the room (what a rejoin recovers from). */
  lastMessageId(roomId: string): string | null {
    return this.rooms.get(roomId)?.lastMessageId ?? null;
  }

  /**
   * Joins a room and keeps it joined across reconnects. With `lastMessageId` (e.g. the newest
   * message your app stored), the server first sends every message after it.
   */
  async join(roomId: string, options: { lastMessageId?: string } = {}): Promise<void> {
    const existing = this.rooms.get(roomId);
    this.rooms.set(roomId, { lastMessageId: options.lastMessageId ?? existing?.lastMessageId ?? null });
    if (this.socket.connected) await this.rejoin(roomId);
  }

  async leave(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
    if (this.socket.connected) await this.call(SocketEvent.RoomLeave, { roomId });
  }

  /**
   * Sends a message; resolves with the stored message once acked. While offline the send waits
   * in a queue and goes out on reconnect with the same clientMsgId, so it is stored once.
   */
  send(roomId: string, input: SendInput): Promise<Message> {
    const clientMsgId = input.clientMsgId ?? newClientMsgId();
    const limit = this.options.maxFileBytes ?? 10 * 1024 * 1024;
    if (input.file && byteSize(input.file.data) > limit) {
      const mib = Math.round((limit / 1024 / 1024) * 10) / 10;
      return Promise.reject(new ChatError(ErrorCode.FILE_TOO_LARGE, `the file is larger than ${mib} MiB`));
    }
    const existing = this.outbox.get(clientMsgId);
    if (existing) return new Promise((resolve, reject) => this.chain(existing, resolve, reject));
    return new Promise<Message>((resolve, reject) => {
      const item: Outgoing = {
        roomId,
        clientMsgId,
        content: input.content,
        file: input.file,
        onProgress: input.onProgress,
        resolve,
        reject,
        inFlight: false,
      };
      this.outbox.set(clientMsgId, item);
      if (this.socket.connected) void this.transmit(item);
    });
  }

  /** Who is online in the room. */
  async presence(roomId: string): Promise<PresenceUser[]> {
    const ack = await this.call(SocketEvent.PresenceGet, { roomId });
    return (ack as { users: PresenceUser[] }).users;
  }

  private chain(item: Outgoing, resolve: (m: Message) => void, reject: (e: Error) => void): void {
    const { resolve: r0, reject: j0 } = item;
    item.resolve = (m) => (r0(m), resolve(m));
    item.reject = (e) => (j0(e), reject(e));
  }

  private wire(): void {
    const socket = this.socket;
    socket.on('connect', () => void this.onConnect());
    socket.on('disconnect', (reason) => {
      this.stopPing();
      for (const item of this.outbox.values()) item.inFlight = false;
      if (this.currentState === 'closed') return;
      this.setState('reconnecting');
      // The server ended the session (expired token): socket.io leaves reconnecting to us.
      if (reason === 'io server disconnect') this.retryManually();
    });
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (this.currentState === 'closed') return;
      this.emit('error', error);
      if (this.currentState === 'connected') this.setState('reconnecting');
      // A refusal by the server's middleware (UNAUTHORIZED, UNAVAILABLE) is not retried by socket.io.
      if (!socket.active) this.retryManually();
    });
    socket.on(SocketEvent.ChatMessage, (message) => this.deliver(message));
    socket.on(SocketEvent.PresenceUpdate, (update) => this.emit('presence', update));
    socket.on(SocketEvent.AuthExpiring, () => void this.refreshToken());
    socket.on(SocketEvent.AuthExpired, (error) =>
      this.emit('error', new ChatError(error.code, error.message)),
    );
  }

  private async onConnect(): Promise<void> {
    this.manualAttempts = 0;
    try {
      // Rooms first, so the replay of what was missed comes before anything new.
      await Promise.all([...this.rooms.keys()].map((roomId) => this.rejoin(roomId)));
    } catch (error) {
      this.emit('error', error as Error);
    }
    if (!this.socket.connected) return;
    this.setState('connected');
    for (const item of this.outbox.values()) void this.transmit(item);
    this.startPing();
  }

  private async rejoin(roomId: string): Promise<void> {
    const room = this.rooms.get(roomId);
    if (!room) return;
    const payload = room.lastMessageId ? { roomId, lastMessageId: room.lastMessageId } : { roomId };
    const ack = (await this.call(SocketEvent.RoomJoin, payload)) as {
      replayed?: number;
      recovered?: boolean;
    };
    const recovered = ack.recovered ?? true;
    this.emit('joined', { roomId, replayed: ack.replayed ?? 0, recovered });
    if (!recovered) this.emit('gap', { roomId });
  }

  private deliver(message: Message): void {
    const room = this.rooms.get(message.roomId);
    if (!room) return;
    // Per room, ids only grow: an older or equal one is a copy already delivered.
    if (room.lastMessageId !== null && compareStreamIds(message.id, room.lastMessageId) <= 0) return;
    room.lastMessageId = message.id;
    this.emit('message', message);
  }

  private async transmit(item: Outgoing): Promise<void> {
    if (item.inFlight || !this.socket.connected) return;
    item.inFlight = true;
    let file: { name: string; mime?: string; data: Uint8Array } | undefined;
    if (item.file) {
      // A Blob (a browser File) is read once; the bytes are kept for a resend.
      const { data } = item.file;
      let bytes: Uint8Array;
      try {
        bytes =
          data instanceof Uint8Array
            ? data
            : new Uint8Array(data instanceof ArrayBuffer ? data : await data.arrayBuffer());
      } catch (error) {
        // The file went away (deleted or moved since it was picked): nothing to retry.
        this.outbox.delete(item.clientMsgId);
        item.reject(
          new ChatError('FILE_UNREADABLE', `the file could not be read: ${(error as Error).message}`),
        );
        return;
      }
      item.file = { ...item.file, data: bytes };
      file = { name: item.file.name, ...(item.file.mime && { mime: item.file.mime }), data: bytes };
    }
    const retryLater = () => {
      item.inFlight = false;
      if (this.socket.connected) setTimeout(() => void this.transmit(item), this.delay(1));
    };
    const fail = (code: string, message: string) => {
      item.inFlight = false;
      if (!this.outbox.has(item.clientMsgId)) return;
      if (RETRYABLE.has(code)) return void setTimeout(() => void this.transmit(item), this.delay(1));
      this.outbox.delete(item.clientMsgId);
      item.reject(new ChatError(code, message));
    };
    const chunked = file !== undefined && file.data.byteLength > INLINE_FILE_BYTES;
    if (file && chunked) {
      try {
        item.uploadId = await this.upload(item, file);
      } catch (error) {
        if (!(error instanceof ChatError)) return retryLater(); // no ack in time, or disconnected
        return fail(error.code, error.message);
      }
    }
    const payload = {
      roomId: item.roomId,
      clientMsgId: item.clientMsgId,
      ...(item.content !== undefined && { content: item.content }),
      ...(chunked ? { uploadId: item.uploadId } : file && { file }),
    };
    if (file && !chunked) item.onProgress?.({ sentBytes: 0, totalBytes: file.data.byteLength });
    let ack: Ack<{ message: Message }>;
    try {
      ack = await this.socket.timeout(this.ackTimeoutMs).emitWithAck(SocketEvent.ChatSend, payload);
    } catch {
      // No ack in time (or the connection dropped): send again, same clientMsgId.
      return retryLater();
    }
    if (ack.ok) {
      item.inFlight = false;
      if (!this.outbox.has(item.clientMsgId)) return;
      if (file) item.onProgress?.({ sentBytes: file.data.byteLength, totalBytes: file.data.byteLength });
      this.outbox.delete(item.clientMsgId);
      item.resolve(ack.message);
    } else if (chunked && ack.error.code === ErrorCode.NOT_FOUND && item.uploadId) {
      // The upload expired before the send: upload it again.
      item.uploadId = undefined;
      retryLater();
    } else fail(ack.error.code, ack.error.message);
  }

  /**
   * Uploads the item's file in chunks, resuming its upload if it has one: at most CHUNK_WINDOW
   * chunks unacknowledged, progress from each ack. Resolves with the upload id once the server
   * has every byte; rejects with a ChatError for a refusal, anything else for a lost connection.
   */
  private async upload(
    item: Outgoing,
    file: { name: string; mime?: string; data: Uint8Array },
  ): Promise<string> {
    // File bytes are not compressed on the way: most files already are (images, video,
    // archives), and the server would inflate every chunk into new buffers.
    const emit = (event: 'file:begin' | 'file:chunk', payload: object) =>
      (
        this.socket.compress(false).timeout(this.ackTimeoutMs) as unknown as {
          emitWithAck(event: string, payload: unknown): Promise<Ack<Record<string, unknown>>>;
        }
      ).emitWithAck(event, payload);
    const size = file.data.byteLength;
    let begun = item.uploadId ? await emit(SocketEvent.FileBegin, { uploadId: item.uploadId }) : null;
    if (!begun?.ok)
      begun = await emit(SocketEvent.FileBegin, {
        roomId: item.roomId,
        name: file.name,
        ...(file.mime && { mime: file.mime }),
        size,
      });
    if (!begun.ok) throw new ChatError(begun.error.code, begun.error.message);
    const uploadId = begun.uploadId as string;
    const chunkSize = begun.chunkSize as number;
    item.uploadId = uploadId;
    let offset = begun.received as number;
    item.onProgress?.({ sentBytes: offset, totalBytes: size });
    const inFlight = new Set<Promise<void>>();
    while (offset < size) {
      const end = Math.min(size, offset + chunkSize);
      const sending = emit(SocketEvent.FileChunk, {
        uploadId,
        offset,
        data: file.data.subarray(offset, end),
      }).then((ack) => {
        if (!ack.ok) throw new ChatError(ack.error.code, ack.error.message);
        item.onProgress?.({ sentBytes: ack.received as number, totalBytes: size });
      });
      const tracked = sending.finally(() => inFlight.delete(tracked));
      tracked.catch(() => undefined); // seen by the race or the final wait
      inFlight.add(tracked);
      offset = end;
      if (inFlight.size >= CHUNK_WINDOW) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return uploadId;
  }

  private async refreshToken(): Promise<void> {
    try {
      const token = await resolveToken(this.options.token);
      const ack = await this.socket
        .timeout(this.ackTimeoutMs)
        .emitWithAck(SocketEvent.AuthRefresh, { token });
      if (!ack.ok) this.emit('error', new ChatError(ack.error.code, ack.error.message));
    } catch (error) {
      this.emit('error', error as Error);
    }
  }

  private async call<E extends 'room:join' | 'room:leave' | 'presence:get'>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<object> {
    // A join may replay many messages before its ack: give it longer.
    const timeout = event === SocketEvent.RoomJoin ? Math.max(this.ackTimeoutMs, 120_000) : this.ackTimeoutMs;
    const ack = (await (
      this.socket.timeout(timeout) as unknown as {
        emitWithAck(event: string, payload: unknown): Promise<Ack>;
      }
    ).emitWithAck(event, payload)) as Ack;
    if (!ack.ok) throw new ChatError(ack.error.code, ack.error.message);
    return ack;
  }

  private retryManually(): void {
    if (this.retryTimer || this.currentState === 'closed') return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.currentState !== 'closed' && !this.socket.connected) this.socket.connect();
    }, this.delay(++this.manualAttempts));
  }

  /** Exponential backoff with jitter, the same curve socket.io uses for its own reconnects. */
  private delay(attempt: number): number {
    const base = Math.min(this.backoff.max, this.backoff.initial * 2 ** Math.min(attempt - 1, 16));
    const spread = base * this.backoff.jitter;
    return Math.max(0, Math.round(base - spread + Math.random() * 2 * spread));
  }

  private startPing(): void {
    const interval = this.options.pingIntervalMs ?? 10_000;
    if (!interval || this.pingTimer) return;
    const measure = async () => {
      const started = performance.now();
      try {
        const ack = await this.socket.timeout(5000).emitWithAck(SocketEvent.Ping, {});
        if (ack.ok) {
          this.latency = Math.round((performance.now() - started) * 100) / 100;
          this.emit('latency', this.latency);
        }
      } catch {
        // the disconnect handler deals with a dead connection
      }
    };
    void measure();
    this.pingTimer = setInterval(() => void measure(), interval);
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private clearTimers(): void {
    this.stopPing();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state);
  }
}
