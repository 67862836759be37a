// BENCH_TIMELINE=1 preloads this module (`--import`) into every app, peer and load process of a
// run. It records the process's garbage collections and event-loop stalls with wall-clock times,
// so that `node bench/timeline.mjs` can lay them over the slowest ack of every 250 ms: which
// process paused when the latency rose. Costs one 10 ms interval timer and one GC observer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { TIMELINE_DIR, processLabel } from './timeline.mjs';

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
/** A tick of the sampling interval later than this many ms is a stall. */
const STALL_MS = 20;
const TICK_MS = 10;

const at = (t) => Math.round(performance.timeOrigin + t);
const gcs = [];
const stalls = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    gcs.push([at(entry.startTime), Math.round(entry.duration * 10) / 10, KINDS[entry.detail?.kind] ?? 'gc']);
}).observe({ entryTypes: ['gc'] });
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  const late = now - last - TICK_MS;
  last = now;
  if (late > STALL_MS) stalls.push([at(now - late), Math.round(late)]);
}, TICK_MS).unref();

mkdirSync(TIMELINE_DIR, { recursive: true });
const label = processLabel(process.argv[1] ?? '');
const file = join(TIMELINE_DIR, `${label}-${process.pid}.json`);
const dump = () => writeFileSync(file, JSON.stringify({ label, gcs, stalls }));
// Apps are stopped with SIGTERM and may not reach 'exit' in time: write as it goes, too.
setInterval(dump, 2000).unref();
process.on('exit', dump);
