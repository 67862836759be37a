export { startTracing, shutdownTracing } from './start-tracing.js';
export {
  SpanKind,
  context,
  correlationId,
  inSpan,
  messageTraceparent,
  sampledContext,
  trace,
  tracer,
} from './message-trace.js';
export type { Context, Span } from '@opentelemetry/api';
