import { loadConfig, type AppConfig } from '@chat/config';
import { bootstrap } from '@chat/observability';
import { AppModule } from './app.module.js';

/** Boots the worker; its HTTP port serves only /health and /metrics. */
export function startWorker(config: AppConfig = loadConfig()) {
  return bootstrap(AppModule, { config, port: (config) => config.WORKER_PORT });
}
