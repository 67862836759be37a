import { Logger } from 'nestjs-pino';
import { bootstrap } from '@chat/observability';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { addAcceptHandles } from './accept-handles.js';
import { AppModule } from './app.module.js';
import { RedisIoAdapter } from './redis-io.adapter.js';

/**
 * Boots the socket app: socket.io with the Redis adapter on the HTTP port that serves /health,
 * listening on SOCKET_ACCEPT_HANDLES descriptors of that port (see addAcceptHandles).
 */
export async function startSocket() {
  const app = await bootstrap(AppModule, {
    port: (config) => config.SOCKET_PORT,
    configure: (app) => {
      app.useWebSocketAdapter(new RedisIoAdapter(app));
    },
  });
  const wanted = app.get<AppConfig>(APP_CONFIG).SOCKET_ACCEPT_HANDLES;
  // Without the extra descriptors the app still works: it admits connections more slowly.
  await addAcceptHandles(app.getHttpServer(), wanted).catch((error: Error) =>
    app.get(Logger).warn(`listening on one descriptor instead of ${wanted}: ${error.message}`, 'Bootstrap'),
  );
  return app;
}
