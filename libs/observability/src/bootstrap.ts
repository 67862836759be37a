import { type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { HttpErrorFilter } from './http-error.filter.js';

export interface BootstrapOptions {
  port: (config: AppConfig) => number;
  /** App-specific wiring (Swagger, socket adapter, microservices) before listening. */
  configure?: (app: INestApplication, config: AppConfig) => void | Promise<void>;
}

/**
 * The one way every app starts: JSON logs, the error filter, shutdown hooks (SIGTERM closes
 * clients cleanly), then listen. Returns the app so tests can boot it in-process.
 */
export async function bootstrap(module: Type, options: BootstrapOptions): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
  const config = app.get<AppConfig>(APP_CONFIG);
  app.enableCors({ origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: true });
  await options.configure?.(app, config);
  await app.listen(options.port(config), config.HOST);
  app.get(Logger).log(`listening on ${await app.getUrl()}`, 'Bootstrap');
  return app;
}
