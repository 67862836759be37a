// `node bench/timeline.mjs [min-ms]`: after a run with BENCH_TIMELINE=1, the windows of 250 ms
// whose slowest ack took at least min-ms (default 40), with what each process did in them.
import { timelineLines } from './lib/timeline.mjs';

console.log(
  '  from first   slowest ack  GCs (≥ 8 ms, every mark-compact) and stalls (≥ 30 ms) by process:pid',
);
for (const line of timelineLines(Number(process.argv[2] ?? 40))) console.log(line);
