import { ValidationPipe } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@chat/config';
import { bootstrap } from '@chat/observability';
import { AppModule } from './app.module.js';
import { setupSwagger } from './swagger.js';

/** Boots the api: validation (400 with the failing field), Swagger, then listen. */
export function startApi(config: AppConfig = loadConfig()) {
  return bootstrap(AppModule, {
    config,
    port: (config) => config.API_PORT,
    configure: (app) => {
      app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true, forbidUnknownValues: true }));
      setupSwagger(app);
    },
  });
}
