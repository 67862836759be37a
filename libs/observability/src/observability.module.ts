import { Global, Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { trace } from '@chat/tracing';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { HealthController, HealthRegistry } from './health.js';
import { APP_NAME, MetricsController, MetricsService } from './metrics.js';
import { redactRequest } from './redact-url.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Logging, metrics and health for one app: `/health` (and `/health/details`), `/health/live`, `/metrics`. */
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
            // Probes and scrapes skip pino-http entirely: its AsyncLocalStorage, once entered,
            // turns on async hooks for every promise in the process (2 % of the socket app's
            // CPU under load), and these requests log nothing anyway.
            exclude: [
              { path: 'health', method: RequestMethod.GET },
              { path: 'health/live', method: RequestMethod.GET },
              { path: 'health/details', method: RequestMethod.GET },
              { path: 'metrics', method: RequestMethod.GET },
            ],
            pinoHttp: {
              name: appName,
              level: config.LOG_LEVEL,
              // The request's correlation id: the caller's X-Request-Id when it sends a sane
              // one (a proxy's), else a new one; echoed back so a user can quote it.
              genReqId: (req, res) => {
                const given = req.headers['x-request-id'];
                const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
                res.setHeader('X-Request-Id', id);
                return id;
              },
              // With tracing on, every log line written inside a span names its trace.
              mixin: () => {
                const span = trace.getActiveSpan()?.spanContext();
                return span ? { trace_id: span.traceId } : {};
              },
              // A signed file link in a logged URL would work for whoever reads the logs.
              serializers: { req: redactRequest },
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
