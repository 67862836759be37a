import { Logger, type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Server, ServerOptions } from 'socket.io';
import { Decoder, Encoder } from 'socket.io-parser';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import type { RedisClient } from '@chat/redis';
import { connectionLimits, dropSlowConsumers, guardConnection } from './connection-guard.js';
import { COMPRESSION_THRESHOLD } from './engine-writes.js';
import { installFastPath } from './fast-path.js';
import { ADAPTER_REDIS } from './transport.module.js';

/**
 * socket.io on the app's HTTP server: the connection guard (connection-guard.ts), the write
 * fast path unless SOCKET_FAST_PATH is off (fast-path.ts), and the Redis Streams adapter so
 * that room membership and broadcasts such as presence updates reach every socket instance.
 * Events are bound by the gateways themselves (events.ts). The adapter reads a Redis stream
 * from its last offset, so a Redis restart or a dropped connection delays packets but loses
 * none, where the pub/sub adapter would drop them; it also runs on a Redis Cluster.
 * Chat messages themselves do not travel through the adapter: see RoomFeed.
 */
export class RedisIoAdapter extends IoAdapter {
  private sweep: NodeJS.Timeout | null = null;
  private readonly transportLogger = new Logger('SocketTransport');

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
    server.engine.on('connection', (conn: unknown) =>
      guardConnection(conn as Parameters<typeof guardConnection>[0], limits),
    );
    this.sweep = setInterval(() => dropSlowConsumers(server, config.SOCKET_MAX_OUTBOUND_BYTES), 1000);
    this.sweep.unref();
    if (config.SOCKET_FAST_PATH) installFastPath(server, (message) => this.transportLogger.warn(message));
    const client = this.app.get<RedisClient>(ADAPTER_REDIS);
    server.adapter(createAdapter(client, { streamName: 'chat-io', maxLen: 10_000 }));
    return server;
  }

  override async close(server: Server): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    await super.close(server); // its Redis connection is TransportModule's, closed after
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
