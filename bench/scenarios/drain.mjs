// drain: 200,000 preloaded stream entries persisted by one worker, next to the raw driver's
// insertMany of the same documents into the same database (its ceiling), in the same run.
import { runScript } from '../lib/script.mjs';

export const title = 'drain';

export async function run({ quick }) {
  const n = quick ? 20_000 : 200_000;
  const result = await runScript('drain.mjs', 'drain.json', {
    BENCH_DRAIN_N: String(n),
    BENCH_DRAIN_CONFIGS: '2500:100', // the defaults of WORKER_BATCH_SIZE and WORKER_INTERVAL_MS
  });
  const rows = result.runs.map((r) => ({
    target: `worker ×${r.workers} (batch ${r.batch}, every ${r.intervalMs} ms)`,
    docsPerSec: r.docsPerSec,
    ratioToRaw: r.ratioToRaw,
    exact: r.exact,
  }));
  rows.push({ target: 'raw insertMany (database ceiling)', docsPerSec: result.raw[2500] });
  const one = result.runs[0];
  return {
    settings: { entries: n, rooms: result.ROOMS, database: result.database },
    rows,
    checks: {
      'drain ≥ 0.8 × raw insertMany': one.ratioToRaw >= 0.8,
      'every entry persisted once': result.runs.every((r) => r.exact),
    },
    notes: [
      '≥ 20,000 docs/s only where the database allows it: FerretDB/SQLite tops out below that (see raw)',
    ],
  };
}
