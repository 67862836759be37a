// observability: what metrics and tracing cost on the hot path. The ingest load (C clients × K
// sends in flight) against api + socket with metrics off, with the defaults (metrics on, tracing
// off), and with tracing on (every message, and 10 %) exporting over OTLP/HTTP to a local sink
// that accepts and discards, as a collector would. Each variant runs twice, interleaved, so slow
// drift of the machine does not land on one variant.
import { createServer } from 'node:http';
import { runLoad } from '../lib/load.mjs';
import { startChatStack, usersInRooms } from '../lib/stack.mjs';

export const title = 'observability: cost of metrics and tracing';

export async function run({ bench, quick, log }) {
  const clients = quick ? 20 : 50;
  const inFlight = 10;
  const perClient = quick ? 100 : 800;
  const settings = { clients, inFlight, perClient, rounds: 2 };
  const sink = await startSink();
  const variants = {
    'metrics off': { METRICS_ENABLED: 'false' },
    'defaults (metrics on, tracing off)': {},
    'tracing on, 10 % sampled': { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER_ARG: '0.1' },
    'tracing on, every message': { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER_ARG: '1' },
  };
  const runs = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  try {
    for (let round = 0; round < settings.rounds; round++)
      for (const [name, env] of Object.entries(variants)) {
        await bench.reset();
        log(`observability: ${name} (round ${round + 1})`);
        const stack = await startChatStack(bench, { apps: ['api', 'socket'], env });
        try {
          const users = await usersInRooms(stack.api, clients, 2);
          runs[name].push(
            await runLoad({
              url: stack.socket,
              users: users.map((u) => ({ ...u, startAtMs: 0, sends: perClient, inFlight })),
              deadlineMs: quick ? 60_000 : 180_000,
            }),
          );
        } finally {
          await stack.stop();
        }
      }
  } finally {
    await sink.stop();
  }
  const mean = (values) => Math.round(values.reduce((a, b) => a + b, 0) / values.length);
  const rows = Object.entries(runs).map(([target, results]) => ({
    target,
    ackedPerSec: mean(results.map((r) => r.ackedPerSec)),
    ack: {
      p50: Math.round(mean(results.map((r) => r.ack.p50 * 100))) / 100,
      p99: Math.round(mean(results.map((r) => r.ack.p99 * 100))) / 100,
    },
    errorCount: results.reduce((n, r) => n + r.errorCount, 0),
    rounds: results.map((r) => r.ackedPerSec),
  }));
  const base = rows[1].ackedPerSec;
  const notes = rows.map(
    (row) => `${row.target}: ${((row.ackedPerSec / base) * 100).toFixed(1)} % of the defaults' throughput`,
  );
  notes.push(`spans received by the sink: ${sink.spans()}`);
  const checks = {
    'metrics cost ≤ 5 %: defaults ≥ 0.95 × metrics off': base >= 0.95 * rows[0].ackedPerSec,
  };
  for (const row of rows) checks[`${row.target}: zero errors`] = row.errorCount === 0;
  return { settings, rows, checks, notes };
}

/** An OTLP/HTTP endpoint that counts and discards what it receives. */
async function startSink() {
  let spans = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      spans += (body.match(/"spanId"/g) ?? []).length;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    spans: () => spans,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
