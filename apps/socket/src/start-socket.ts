import { Logger } from 'nestjs-pino';
import { bootstrap } from '@chat/observability';
import { loadConfig, type AppConfig } from '@chat/config';
import { AppModule } from './app.module.js';
import { addAcceptHandles } from './transport/accept-handles.js';
import { RedisIoAdapter } from './transport/socket-io.adapter.js';

/**
 * Boots the socket app: socket.io with the Redis adapter on the HTTP port that serves /health,
 * listening on SOCKET_ACCEPT_HANDLES descriptors of that port (see addAcceptHandles) when the
 * fast path is on.
 */
export async function startSocket(config: AppConfig = loadConfig()) {
  const app = await bootstrap(AppModule, {
    config,
    port: (config) => config.SOCKET_PORT,
    configure: (app) => {
      app.useWebSocketAdapter(new RedisIoAdapter(app));
    },
  });
  if (!config.SOCKET_FAST_PATH) return app;
  const wanted = config.SOCKET_ACCEPT_HANDLES;
  // Without the extra descriptors the app still works: it admits connections more slowly.
  await addAcceptHandles(app.getHttpServer(), wanted).catch((error: Error) =>
    app.get(Logger).warn(`listening on one descriptor instead of ${wanted}: ${error.message}`, 'Bootstrap'),
  );
  return app;
}
