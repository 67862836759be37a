import { Controller, Get, Header, Inject, Injectable } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const APP_NAME = Symbol('APP_NAME');

/** One Prometheus registry per app, with process metrics and an `app` label on everything. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor(@Inject(APP_NAME) appName: string) {
    this.registry.setDefaultLabels({ app: appName });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter {
    return (
      (this.registry.getSingleMetric(name) as Counter) ??
      new Counter({ name, help, labelNames, registers: [this.registry] })
    );
  }

  gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    return (
      (this.registry.getSingleMetric(name) as Gauge) ??
      new Gauge({ name, help, labelNames, registers: [this.registry] })
    );
  }

  histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram {
    return (
      (this.registry.getSingleMetric(name) as Histogram) ??
      new Histogram({ name, help, buckets, labelNames, registers: [this.registry] })
    );
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
