import { type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Observable } from 'rxjs';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { Decoder, Encoder } from 'socket.io-parser';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { createRedisClient, type RedisClient } from '@chat/redis';
import { connectionLimits, dropSlowConsumers, guardConnection } from './connection-guard.js';
import {
  COMPRESSION_THRESHOLD,
  coalesceWrites,
  directAcks,
  sendPreEncodedFrames,
  type EngineConnection,
  type EngineTransport,
} from './engine-writes.js';

/**
 * socket.io on the app's HTTP server, with the Redis Streams adapter so that room membership
 * and broadcasts such as presence updates reach every socket instance. It reads a Redis stream
 * from its last offset, so a Redis restart or a dropped connection delays packets but loses
 * none, where the pub/sub adapter would drop them; it also runs on a Redis Cluster.
 * Chat messages themselves do not travel through the adapter: see RoomFeed.
 */
export class RedisIoAdapter extends IoAdapter {
  private client: RedisClient | null = null;
  private sweep: NodeJS.Timeout | null = null;

  constructor(private readonly app: INestApplicationContext) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const config = this.app.get<AppConfig>(APP_CONFIG);
    const limits = connectionLimits(config);
    const server: Server = super.createIOServer(port, {
      ...options,
      // websocket first; polling stays available for clients behind proxies that need it
      transports: ['websocket', 'polling'],
      // Compress only frames worth compressing (seed "000"). ws applies the threshold only
      // without context takeover: with it, every frame went through zlib (a quarter of the
      // socket app's CPU in the ingest profile) and each connection held its own zlib window.
      perMessageDeflate: {
        threshold: COMPRESSION_THRESHOLD,
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
      },
      // Every transport starts at the stranger's limit, an upgrade's websocket while it probes
      // included (engine.io gives it this server-wide value); markAuthenticated raises it to
      // SOCKET_MAX_MESSAGE_BYTES for the connection (a small file inline, or a file:chunk).
      maxHttpBufferSize: limits.preAuthBytes,
      // One binary attachment per event (file.data, a chunk's data): socket.io's parser would
      // buffer ten of them before the event reaches a handler.
      parser: { Encoder, Decoder: SingleAttachmentDecoder },
      connectTimeout: config.SOCKET_AUTH_TIMEOUT_MS,
      // a dead connection is dropped within pingInterval + pingTimeout
      pingInterval: config.SOCKET_PING_INTERVAL_MS,
      pingTimeout: config.SOCKET_PING_TIMEOUT_MS,
      cors: { origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: true },
      // CORS headers bind only long-polling: a browser opens a WebSocket from any page, so the
      // handshake checks the page's origin itself. Clients outside a browser send none.
      allowRequest: (req, callback) => callback(null, originAllowed(config.corsOrigins, req.headers.origin)),
    } as ServerOptions);
    const tune = (transport: EngineTransport) => {
      coalesceWrites(transport);
      sendPreEncodedFrames(transport, COMPRESSION_THRESHOLD);
    };
    server.engine.on('connection', (conn: EngineConnection) => {
      guardConnection(conn as unknown as Parameters<typeof guardConnection>[0], limits);
      tune(conn.transport);
      conn.on('upgrade', tune);
    });
    this.sweep = setInterval(() => dropSlowConsumers(server, config.SOCKET_MAX_OUTBOUND_BYTES), 1000);
    this.sweep.unref();
    server.on('connection', (socket: Socket) => directAcks(socket, COMPRESSION_THRESHOLD));
    this.client = createRedisClient(config, 'socket-adapter', { subscriber: true });
    this.client.on('error', () => undefined);
    server.adapter(createAdapter(this.client, { streamName: 'chat-io', maxLen: 10_000 }));
    return server;
  }

  /**
   * Nest's IoAdapter builds an rxjs pipeline (fromEvent, mergeMap, takeUntil, a subscription)
   * for every @SubscribeMessage handler of every connection and keeps it for the connection's
   * life: with 3,000 connections, 750,000 closures and 84,000 subscribers, 40 % of the socket
   * app's heap, which every major GC has to mark. Here each handler is one plain listener with
   * the same replies: the handler's result (value, promise or observable) is the ack, or an emit
   * when it has `event`; nothing is sent for null or undefined; an error is logged and the event
   * keeps working.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        const ack = typeof args.at(-1) === 'function' ? (args.pop() as (reply: unknown) => void) : undefined;
        const data = args.length > 1 ? args : args[0];
        let result$: Observable<unknown>;
        try {
          result$ = transform(callback(data, ack));
        } catch (error) {
          this.logger.error(error);
          return;
        }
        result$.subscribe({
          next: (response) => {
            if (response === null || response === undefined) return;
            const { event, data: payload } = response as { event?: string; data?: unknown };
            if (event) socket.emit(event, payload);
            else if (!isAckHandledManually) ack?.(response);
          },
          error: (error: unknown) => this.logger.error(error),
        });
      });
    }
  }

  override async close(server: Server): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    await super.close(server);
    const client = this.client;
    if (client) await client.quit().catch(() => client.disconnect());
  }
}

/** socket.io's decoder, refusing events with more than one binary attachment. */
class SingleAttachmentDecoder extends Decoder {
  constructor() {
    super({ maxAttachments: 1 });
  }
}

/** Whether a handshake from this page origin (undefined outside browsers) may connect. */
export function originAllowed(allowed: string[] | '*', origin: string | undefined): boolean {
  return allowed === '*' || origin === undefined || allowed.includes(origin);
}
