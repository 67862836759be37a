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
import { randomFillSync } from 'node:crypto';

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
 * active it is that span's; otherwise a fresh, unsampled one, so that every message still has a
 * correlation id (the trace id) for the logs of all four apps.
 */
export function messageTraceparent(): string {
  const span = trace.getActiveSpan()?.spanContext();
  if (span && isSpanContextValid(span))
    return `00-${span.traceId}-${span.spanId}-0${span.traceFlags & TraceFlags.SAMPLED}`;
  const ids = randomIds();
  return `00-${ids.slice(0, 32)}-${ids.slice(32)}-00`;
}

// A trace id and a span id (24 random bytes) for every message: drawn from a pool refilled
// 256 at a time, because randomBytes(24) per call costs ~2 µs, a few % of a message's CPU.
const POOL = Buffer.alloc(24 * 256);
let poolOffset = POOL.length;

function randomIds(): string {
  if (poolOffset >= POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  poolOffset += 24;
  return POOL.toString('hex', poolOffset - 24, poolOffset);
}

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
