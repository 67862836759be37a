import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { HealthController, HealthRegistry } from './health.js';
import { APP_NAME, MetricsController, MetricsService } from './metrics.js';

/** Logging, metrics and health for one app: `/health`, `/health/live` and `/metrics`. */
@Global()
@Module({})
export class ObservabilityModule {
  static forApp(appName: string): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            pinoHttp: {
              name: appName,
              level: config.LOG_LEVEL,
              autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
              redact: {
                paths: [
                  'req.headers.authorization',
                  'req.headers.cookie',
                  '*.password',
                  '*.refreshToken',
                  '*.accessToken',
                  '*.token',
                ],
                censor: '[redacted]',
              },
            },
          }),
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [{ provide: APP_NAME, useValue: appName }, HealthRegistry, MetricsService],
      exports: [HealthRegistry, MetricsService],
    };
  }
}
