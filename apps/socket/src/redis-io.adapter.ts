import { type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '@chat/config';

/**
 * socket.io on the app's HTTP server, with the Redis adapter so a broadcast reaches the room's
 * sockets on every socket instance. Pub/sub clients keep ioredis' offline queue and
 * auto-resubscribe, so a Redis restart heals by itself.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly clients: Redis[] = [];

  constructor(private readonly app: INestApplicationContext) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const config = this.app.get<AppConfig>(APP_CONFIG);
    const server: Server = super.createIOServer(port, {
      ...options,
      // websocket first; polling stays available for clients behind proxies that need it
      transports: ['websocket', 'polling'],
      // compress only frames worth compressing (seed "000")
      perMessageDeflate: { threshold: 1024 },
      maxHttpBufferSize: config.MAX_FILE_BYTES + 1024 * 1024,
      cors: { origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: true },
    } as ServerOptions);
    const pub = new Redis(config.REDIS_URL, { connectionName: 'socket-adapter-pub', lazyConnect: false });
    const sub = pub.duplicate({ connectionName: 'socket-adapter-sub' });
    for (const client of [pub, sub]) client.on('error', () => undefined);
    this.clients.push(pub, sub);
    server.adapter(createAdapter(pub, sub, { key: 'chat-io' }));
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await Promise.all(this.clients.map((client) => client.quit().catch(() => client.disconnect())));
  }
}
