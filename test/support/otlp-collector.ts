import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '../../scripts/harness.mjs';

/** A span as the OTLP/HTTP JSON exporter sends it, with the service that sent it. */
export interface CollectedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  links: Array<{ traceId: string; spanId: string }>;
  attributes: Record<string, unknown>;
}

interface ExportRequest {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{
      spans: Array<
        Omit<CollectedSpan, 'service' | 'attributes'> & {
          attributes?: Array<{ key: string; value: Record<string, unknown> }>;
        }
      >;
    }>;
  }>;
}

/**
 * The receiving end of OTLP/HTTP (JSON encoding) at POST /v1/traces, as an OpenTelemetry
 * Collector would be: a real endpoint the apps export to, so the test sees what a backend sees.
 */
export class OtlpCollector {
  readonly spans: CollectedSpan[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (
          req.method !== 'POST' ||
          req.url !== '/v1/traces' ||
          !/json/.test(req.headers['content-type'] ?? '')
        )
          return void res.writeHead(415).end();
        this.collect(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Waits until `predicate` holds for the spans received so far. */
  async waitFor(predicate: (spans: CollectedSpan[]) => boolean, timeoutMs = 30_000): Promise<void> {
    await waitUntil(() => predicate(this.spans), { what: `the spans (${timeoutMs} ms)`, timeoutMs });
  }

  private collect(request: ExportRequest): void {
    for (const { resource, scopeSpans } of request.resourceSpans) {
      const service =
        resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? 'unknown';
      for (const { spans } of scopeSpans)
        for (const span of spans)
          this.spans.push({
            ...span,
            service,
            links: span.links ?? [],
            attributes: Object.fromEntries(
              (span.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]),
            ),
          });
    }
  }
}
