// history: GET /rooms/:id/messages at concurrency 50, with and without a 100,000-entry backlog
// of other rooms' unpersisted messages in Redis, next to the raw driver's find of the same page.
import { runScript } from '../lib/script.mjs';

export const title = 'history';

export async function run({ quick }) {
  const result = await runScript('history-backlog.mjs', 'history-backlog.json', {
    BENCH_REQUESTS: quick ? '500' : '3000',
    BENCH_CONCURRENCY: '50',
    BENCH_BACKLOG: quick ? '10000' : '100000',
  });
  const row = (target, r) => ({ target, rate: r.reqPerSec, p50: r.p50, p99: r.p99, errors: r.errors });
  return {
    settings: result.settings,
    rows: [
      row('no backlog', result.empty),
      row(`${result.settings.BACKLOG} backlog`, result.loaded),
      row('raw driver find (database ceiling)', result.raw),
    ],
    checks: {
      'p99 with backlog ≤ 1.2 × without': result.p99Ratio <= 1.2,
      'zero errors': result.empty.errors === 0 && result.loaded.errors === 0,
    },
    notes: ['< 20 ms p99 only where the database allows it: compare with the raw find'],
  };
}
