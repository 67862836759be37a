import { correlationId, messageTraceparent, sampledContext, trace } from './message-trace.js';

describe('message trace context', () => {
  it('gives every message its own unsampled traceparent when no span is recording', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const traceparent = messageTraceparent();
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      ids.add(correlationId(traceparent)!);
      expect(sampledContext(traceparent)).toBeNull();
    }
    expect(ids.size).toBe(1000);
  });

  it('continues a sampled trace and rejects malformed ones', () => {
    const traceparent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    expect(correlationId(traceparent)).toBe('a'.repeat(32));
    const span = trace.getSpanContext(sampledContext(traceparent)!);
    expect(span).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), isRemote: true });
    for (const bad of [undefined, '', 'garbage', `01-${'a'.repeat(32)}-${'b'.repeat(16)}-01`]) {
      expect(sampledContext(bad)).toBeNull();
      expect(correlationId(bad)).toBeUndefined();
    }
  });
});
