// `npm run bench [-- scenario ...] [--quick]`: builds, starts Redis and a MongoDB-protocol server
// if none answers, then runs each scenario against the built apps and its peers, on a private
// Redis database and MongoDB database, from separate load processes, to 127.0.0.1 only. Every
// load is bounded in count and time. Prints a table and writes bench/results/latest.json and
// bench/results/latency.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR } from '../scripts/paths.mjs';
import { build } from '../scripts/ensure-deps.mjs';
import { benchEnvironment } from './support.mjs';
import { BENCH_SETTINGS } from './lib/stack.mjs';
import { report } from './lib/report.mjs';
import { calibrate } from './lib/calibrate.mjs';
import { clearTimeline } from './lib/timeline.mjs';

const ALL = ['ingest', 'fanout', 'seed-003', 'seed-004', 'drain', 'history', 'files', 'observability'];
const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const chosen = args.filter((a) => !a.startsWith('--'));
for (const name of chosen)
  if (!ALL.includes(name)) throw new Error(`unknown scenario ${name}; one of ${ALL.join(', ')}`);
const scenarios = chosen.length ? chosen : ALL;

if (!args.includes('--no-build')) build();
clearTimeline();
const bench = await benchEnvironment();
const log = (line) => console.log(`[bench] ${line}`);
const results = {
  at: new Date().toISOString(),
  command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    // Fixed single-threaded work, in ms (lower is faster): compares runs across days and VMs.
    calibrationMs: calibrate(),
  },
  database: bench.database,
  settings: BENCH_SETTINGS,
  quick,
  scenarios: {},
};
try {
  for (const name of scenarios) {
    const { run, title } = await import(`./scenarios/${name}.mjs`);
    log(`── ${title}`);
    results.scenarios[name] = await run({ bench, quick, log });
    await bench.reset();
  }
} finally {
  await bench.close();
}
const dir = join(ROOT_DIR, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const { table, svg } = report(results);
console.log(`\n${table}`);
// A full run is the one the README quotes; quick or partial runs keep their own file.
const stem = quick ? 'quick' : chosen.length ? `run-${scenarios.join('-')}` : 'latest';
writeFileSync(join(dir, `${stem}.json`), `${JSON.stringify(results, null, 2)}\n`);
if (results.scenarios.ingest) writeFileSync(join(dir, `${stem === 'latest' ? 'latency' : stem}.svg`), svg);
console.log(`\nwritten: bench/results/${stem}.json`);
const failed = Object.entries(results.scenarios).flatMap(([name, s]) =>
  Object.entries(s.checks ?? {})
    .filter(([, ok]) => !ok)
    .map(([check]) => `${name}: ${check}`),
);
if (failed.length) console.log(`\nTargets missed:\n  ${failed.join('\n  ')}`);
