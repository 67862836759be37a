import { bootstrap } from '@chat/observability';
import { AppModule } from './app.module.js';

/** Boots the worker; its HTTP port serves only /health and /metrics. */
export function startWorker() {
  return bootstrap(AppModule, { port: (config) => config.WORKER_PORT });
}
