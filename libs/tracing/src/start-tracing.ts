import { register } from 'node:module';
import type { AppConfig } from '@chat/config';

const IGNORED_PATHS = /^\/(health|metrics|socket\.io)/;

let shutdown: (() => Promise<void>) | null = null;

/**
 * OpenTelemetry for one app, when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise nothing is
 * loaded or registered, and the tracer every module uses stays the API's no-op.
 *
 * Call it before the app's modules are imported (main.ts imports the app dynamically after it):
 * the instrumentations patch ioredis, mongodb, @grpc/grpc-js and http as they load.
 */
export async function startTracing(app: string, config: AppConfig): Promise<void> {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const ratio = config.OTEL_TRACES_SAMPLER_ARG;
  if (!endpoint) return;

  // ESM imports (node:http from Nest, for one) are patched through import-in-the-middle's hook.
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const [
    { NodeTracerProvider },
    { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { ATTR_SERVICE_NAME },
    { registerInstrumentations },
    { HttpInstrumentation },
    { GrpcInstrumentation },
    { IORedisInstrumentation },
    { MongoDBInstrumentation },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-grpc'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-mongodb'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `chat-${app}` }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` })),
    ],
  });
  provider.register();
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => IGNORED_PATHS.test(req.url ?? ''),
        // The exporter's own POSTs would trace themselves.
        ignoreOutgoingRequestHook: () => true,
      }),
      new GrpcInstrumentation(),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new MongoDBInstrumentation({ requireParentSpan: true }),
    ],
  });
  await waitForAllMessagesAcknowledged();
  shutdown = () => provider.shutdown();
}

/** Flushes the spans still queued; exitOnSignals calls it last. */
export async function shutdownTracing(): Promise<void> {
  await shutdown?.().catch(() => undefined);
}
