import { bootstrap } from '@chat/observability';
import { AppModule } from './app.module.js';
import { RedisIoAdapter } from './redis-io.adapter.js';

/** Boots the socket app: socket.io with the Redis adapter on the HTTP port that serves /health. */
export function startSocket() {
  return bootstrap(AppModule, {
    port: (config) => config.SOCKET_PORT,
    configure: (app) => {
      app.useWebSocketAdapter(new RedisIoAdapter(app));
    },
  });
}
