// BENCH_TIMELINE=1: a timeline of a run, to tell which process paused when latency rose.
// Every app, peer and load process records its GCs and event-loop stalls (timeline-hook.mjs);
// each load process records the slowest ack of every 250 ms window of planned send times.
// `node bench/timeline.mjs` prints them side by side, from the files in .data/timeline.
import { readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT_DIR } from '../../scripts/paths.mjs';

export const TIMELINE_DIR = join(ROOT_DIR, '.data', 'timeline');
export const TIMELINE_WINDOW_MS = 250;
const HOOK = fileURLToPath(new URL('./timeline-hook.mjs', import.meta.url));

export const timelineEnabled = () => process.env.BENCH_TIMELINE === '1';

/** Node flags that load the recorder, when the timeline is on. */
export const timelineArgs = () => (timelineEnabled() ? ['--import', HOOK] : []);

/** A new run: forget the files of the last one. */
export function clearTimeline() {
  if (timelineEnabled()) rmSync(TIMELINE_DIR, { recursive: true, force: true });
}

/** `socket` for dist/socket/…/main.js, `load` for the load processes, `peer` for the peers. */
export function processLabel(script) {
  const app = /dist\/([a-z]+)\//.exec(script)?.[1];
  if (app) return app;
  if (script.includes('load-process')) return 'load';
  if (script.includes('peers')) return 'peer';
  return 'node';
}

/** The slowest ack of each window, in a load process; written with `save`. */
export function ackWindows() {
  const slowest = new Map();
  return {
    record(plannedAt, latencyMs) {
      const window = Math.floor(plannedAt / TIMELINE_WINDOW_MS);
      if (!(slowest.get(window) >= latencyMs)) slowest.set(window, latencyMs);
    },
    save() {
      mkdirSync(TIMELINE_DIR, { recursive: true });
      const file = join(TIMELINE_DIR, `acks-${process.pid}-${Date.now()}.json`);
      writeFileSync(file, JSON.stringify([...slowest]));
    },
  };
}

/**
 * One line per window where the slowest ack took at least `minMs` (or a process ran a
 * mark-compact): seconds from the first window, the slowest ack, and what each process did in
 * it (GCs of at least 8 ms, and every mark-compact; stalls of at least 30 ms).
 */
export function timelineLines(minMs = 40) {
  const files = readdirSync(TIMELINE_DIR).map((f) => ({
    f,
    data: JSON.parse(readFileSync(join(TIMELINE_DIR, f))),
  }));
  const rows = new Map();
  const row = (window) => {
    if (!rows.has(window)) rows.set(window, { ack: 0, events: [] });
    return rows.get(window);
  };
  for (const { f, data } of files)
    if (f.startsWith('acks-'))
      for (const [window, ms] of data) row(window).ack = Math.max(row(window).ack, ms);
  const first = Math.min(...[...rows.keys()]);
  const windowOf = (t) => Math.floor(t / TIMELINE_WINDOW_MS);
  for (const { f, data } of files) {
    if (f.startsWith('acks-')) continue;
    const who = `${data.label}:${f.split('-').at(-1).split('.')[0]}`;
    for (const [t, ms, kind] of data.gcs)
      if (windowOf(t) >= first && (kind === 'mark-compact' || ms >= 8))
        row(windowOf(t)).events.push(`${who} ${kind} ${ms}`);
    for (const [t, ms] of data.stalls)
      if (windowOf(t) >= first && ms >= 30) row(windowOf(t)).events.push(`${who} stall ${ms}`);
  }
  return [...rows]
    .sort((a, b) => a[0] - b[0])
    .filter(([, r]) => r.ack >= minMs || r.events.some((e) => e.includes('mark-compact')))
    .map(([window, r]) => {
      const seconds = (((window - first) * TIMELINE_WINDOW_MS) / 1000).toFixed(2).padStart(7);
      return `${seconds} s  ${String(Math.round(r.ack)).padStart(5)} ms  ${r.events.join(' · ')}`;
    });
}
