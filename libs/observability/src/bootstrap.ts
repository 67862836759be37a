import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { shutdownTracing } from '@chat/tracing';
import { ConfigModule, type AppConfig } from '@chat/config';
import { HttpErrorFilter } from './http-error.filter.js';
import { MetricsService } from './metrics.js';

export interface BootstrapOptions {
  /** The app's configuration, read once (main.ts: loadConfigOrExit; tests: loadConfig). */
  config: AppConfig;
  port: (config: AppConfig) => number;
  /** App-specific wiring (Swagger, socket adapter, microservices) before listening. */
  configure?: (app: INestApplication, config: AppConfig) => void | Promise<void>;
}

@Module({})
class AppRoot {}

/** The root of every app: its configuration (global to its modules), then its module tree. */
export function appRoot(module: Type, config: AppConfig): DynamicModule {
  return { module: AppRoot, imports: [ConfigModule.forRoot(config), module] };
}

/**
 * The one way every app starts: its configuration provided to every module, JSON logs, the
 * error filter, shutdown hooks (SIGTERM closes clients cleanly), then listen. Returns the app so
 * tests can boot it in-process.
 */
export async function bootstrap(module: Type, options: BootstrapOptions): Promise<INestApplication> {
  const { config } = options;
  const app = await NestFactory.create(appRoot(module, config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new HttpErrorFilter());
  app.use(app.get(MetricsService).httpMiddleware());
  if (config.TRUST_PROXY) {
    const hops = Number(config.TRUST_PROXY);
    (app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void }).set(
      'trust proxy',
      Number.isInteger(hops) ? hops : config.TRUST_PROXY,
    );
  }
  app.enableCors({ origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: true });
  await options.configure?.(app, config);
  await app.listen(options.port(config), config.HOST);
  app.get(Logger).log(`listening on ${await app.getUrl()}`, 'Bootstrap');
  return app;
}

const SHUTDOWN_DEADLINE_MS = 15_000;

/**
 * SIGTERM / SIGINT: stop accepting, let modules finish what is in flight (onApplicationShutdown
 * closes clients, the worker finishes its batch), then exit 0. A close that hangs past the
 * deadline exits 1 so an orchestrator is never kept waiting.
 */
export function exitOnSignals(app: INestApplication): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    const logger = app.get(Logger);
    logger.log(`${signal}: shutting down`, 'Bootstrap');
    setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms; exiting`, 'Bootstrap');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app
      .close()
      .then(shutdownTracing)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
