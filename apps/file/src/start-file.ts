import { bootstrap } from '@chat/observability';
import { AppModule } from './app.module.js';

export function startFile() {
  return bootstrap(AppModule, { port: (config) => config.FILE_HTTP_PORT });
}
