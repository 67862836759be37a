export { appRoot, bootstrap, exitOnSignals, type BootstrapOptions } from './bootstrap.js';
export { HealthController, HealthRegistry, type HealthCheck } from './health.js';
export { HttpErrorFilter, isDependencyUnavailable } from './http-error.filter.js';
export { MetricsController, MetricsService } from './metrics.js';
export { ObservabilityModule } from './observability.module.js';
