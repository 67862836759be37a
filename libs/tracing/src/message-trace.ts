import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';

/** The tracer of our own spans; a no-op unless startTracing() registered an SDK. */
export const tracer = trace.getTracer('chat');

/**
 * Runs `fn` in a span that ends with it (error status on a throw). With tracing off this is a
 * non-recording span and a context switch: cheap enough for every message.
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; links?: Link[] },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * The W3C traceparent a message carries through the stream to the worker. With a sampled span
 * active it is that span's; otherwise an unsampled one whose trace id is unique (a random
 * per-process prefix and a counter), so that every message still has a correlation id for the
 * logs of all four apps. Nothing samples an unsampled id, so it need not be random per message,
 * and a counter costs nothing on the hot path.
 */
export function messageTraceparent(): string {
  const span = trace.getActiveSpan()?.spanContext();
  if (span && isSpanContextValid(span))
    return `00-${span.traceId}-${span.spanId}-0${span.traceFlags & TraceFlags.SAMPLED}`;
  counter = (counter + 1) % 0x100000000;
  return `00-${PROCESS_PREFIX}${counter.toString(16).padStart(8, '0')}-${PROCESS_SPAN}-00`;
}

const PROCESS_PREFIX = randomBytes(12).toString('hex');
const PROCESS_SPAN = randomBytes(8).toString('hex');
let counter = randomBytes(4).readUInt32BE();

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The correlation id in a traceparent (its trace id), or undefined for a malformed one. */
export function correlationId(traceparent: string | undefined): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}

/** The context to continue a message's trace in, or null when it was not sampled. */
export function sampledContext(traceparent: string | undefined): Context | null {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match || (parseInt(match[3]!, 16) & TraceFlags.SAMPLED) === 0) return null;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

export { SpanKind, context, trace };
