// `npm run bench [-- scenario ...] [--quick]`: builds, starts Redis and a MongoDB-protocol server
// if none answers, then runs each scenario against the built apps and its peers, on a private
// Redis database and MongoDB database, from separate load processes, to 127.0.0.1 only. Every
// load is bounded in count and time. Prints a table and writes bench/results/latest.json and
// bench/results/latency.svg. BENCH_APPS_ROOT=<another checkout, built> runs the scenarios against
// that checkout's dist/ instead (e.g. a git worktree of an earlier commit): its results go to
// bench/results/run-<scenarios>-<commit>.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR } from '../scripts/paths.mjs';
import { build } from '../scripts/ensure-deps.mjs';
import { APPS_ROOT, appsBuild, benchEnvironment } from './support.mjs';
import { BENCH_SETTINGS } from './lib/stack.mjs';
import { report } from './lib/report.mjs';
import { calibrate } from './lib/calibrate.mjs';
import { clearTimeline } from './lib/timeline.mjs';

const ALL = [
  'ingest',
  'fanout',
  'seed-003',
  'seed-004',
  'drain',
  'history',
  'files',
  'observability',
  'connections',
  'scale',
];
const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const chosen = args.filter((a) => !a.startsWith('--'));
for (const name of chosen)
  if (!ALL.includes(name)) throw new Error(`unknown scenario ${name}; one of ${ALL.join(', ')}`);
const scenarios = chosen.length ? chosen : ALL;

// BENCH_APPS_ROOT measures another checkout's build (bench/support.mjs): build it there.
if (!args.includes('--no-build') && APPS_ROOT === ROOT_DIR) build();
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
  apps: appsBuild(),
  database: bench.database,
  settings: BENCH_SETTINGS,
  quick,
  scenarios: {},
};
const standalone = [];
try {
  for (const name of scenarios) {
    const { run, title, standalone: own } = await import(`./scenarios/${name}.mjs`);
    if (own) standalone.push(name);
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
const other = APPS_ROOT === ROOT_DIR ? '' : `-${results.apps.commit}`;
const stem = quick
  ? `quick${other}`
  : chosen.length || other
    ? `run-${scenarios.join('-')}${other}`
    : 'latest';
writeFileSync(join(dir, `${stem}.json`), `${JSON.stringify(results, null, 2)}\n`);
// A standalone scenario (connections) keeps its figures in latest.json from a run of its own,
// which its entry states (`run`); the full run's other entries stay as they are.
const latest = join(dir, 'latest.json');
if (stem !== 'latest' && !quick && !other && existsSync(latest) && standalone.length) {
  const kept = JSON.parse(readFileSync(latest, 'utf8'));
  const { at, command, machine, apps } = results;
  for (const name of standalone)
    kept.scenarios[name] = { ...results.scenarios[name], run: { at, command, machine, apps } };
  writeFileSync(latest, `${JSON.stringify(kept, null, 2)}\n`);
  console.log(`recorded in bench/results/latest.json: ${standalone.join(', ')}`);
}
if (results.scenarios.ingest) writeFileSync(join(dir, `${stem === 'latest' ? 'latency' : stem}.svg`), svg);
console.log(`\nwritten: bench/results/${stem}.json`);
const failed = Object.entries(results.scenarios).flatMap(([name, s]) =>
  Object.entries(s.checks ?? {})
    .filter(([, ok]) => !ok)
    .map(([check]) => `${name}: ${check}`),
);
if (failed.length) console.log(`\nTargets missed:\n  ${failed.join('\n  ')}`);
