import { Controller, Get, Header, Inject, Injectable } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@chat/config';

export const APP_NAME = Symbol('APP_NAME');

/** What METRICS_ENABLED=false hands out: instruments that do nothing, so the cost is measurable. */
const NOOP: unknown = new Proxy(
  {},
  {
    get: (_, key) => (key === 'labels' ? () => NOOP : key === 'startTimer' ? () => () => 0 : () => undefined),
  },
);

/** One Prometheus registry per app, with process metrics and an `app` label on everything. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly enabled: boolean;

  constructor(@Inject(APP_NAME) appName: string, @Inject(APP_CONFIG) config: AppConfig) {
    this.enabled = config.METRICS_ENABLED;
    this.registry.setDefaultLabels({ app: appName });
    if (this.enabled) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter {
    if (!this.enabled) return NOOP as Counter;
    return (
      (this.registry.getSingleMetric(name) as Counter) ??
      new Counter({ name, help, labelNames, registers: [this.registry] })
    );
  }

  gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    if (!this.enabled) return NOOP as Gauge;
    return (
      (this.registry.getSingleMetric(name) as Gauge) ??
      new Gauge({ name, help, labelNames, registers: [this.registry] })
    );
  }

  histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram {
    if (!this.enabled) return NOOP as Histogram;
    return (
      (this.registry.getSingleMetric(name) as Histogram) ??
      new Histogram({ name, help, buckets, labelNames, registers: [this.registry] })
    );
  }

  /**
   * Express middleware: request count and latency per method, matched route pattern (never
   * the raw URL, which would make a series per room id) and status code.
   */
  httpMiddleware(): (req: Request, res: Response, next: NextFunction) => void {
    const requests = this.counter('http_requests_total', 'HTTP requests by route and status', [
      'method',
      'route',
      'status',
    ]);
    const duration = this.histogram(
      'http_request_duration_seconds',
      'HTTP request latency by route',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      ['method', 'route'],
    );
    return (req, res, next) => {
      if (!this.enabled || req.path === '/metrics') return next();
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        requests.inc({ method: req.method, route, status: res.statusCode });
        duration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    };
  }
}

@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
