// CPU seconds used by processes over a measured span, from /proc (Linux). Where /proc is missing
// the figures are left out rather than guessed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SEC = 100;

function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
  } catch {
    return null;
  }
}

/** The pids of the databases the bench uses on this machine, if they run here. */
export async function databasePids(bench) {
  const pids = {};
  const info = await bench.redis.info('server');
  const redisPid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (redisPid) pids.redis = redisPid;
  try {
    const ferret = execFileSync('pgrep', ['-x', 'ferretdb'], { encoding: 'utf8' }).trim().split('\n')[0];
    if (ferret) pids.mongodb = Number(ferret);
  } catch {
    // not running here (a MongoDB elsewhere): not measured
  }
  return pids;
}

/** Starts measuring `pids` ({ name: pid }); the returned function gives CPU seconds per name. */
export function cpuMeter(pids) {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  return () =>
    Object.fromEntries(
      Object.entries(pids).flatMap(([name, pid]) => {
        const now = cpuSeconds(pid);
        return now === null || before[name] === null
          ? []
          : [[name, Math.round((now - before[name]) * 100) / 100]];
      }),
    );
}
