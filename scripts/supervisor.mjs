// Keeps `npm start`'s processes running. One that exits on its own is logged and started again
// after a backoff (0.5 s, doubling up to 10 s; back to 0.5 s once it has stayed up 30 s), while
// the others keep serving. stop() ends them all: SIGTERM, then SIGKILL after a grace period.
// Builtins only; the caller decides where lines go (see log-lines.mjs).
import { spawn } from 'node:child_process';
import { stop as stopProcess } from './harness.mjs';
import { createInterface } from 'node:readline';

export const BACKOFF = { initialMs: 500, maxMs: 10_000, resetAfterMs: 30_000 };

/**
 * The pause before restarting a process that has now failed `failures` times in a row (1 for
 * the first crash); a process that stayed up `backoff.resetAfterMs` starts a new row.
 */
export function restartDelay(failures, backoff = BACKOFF) {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
}

/**
 * Starts each of `programs` ({ name: { command, args } }) and keeps it running.
 * `line(name, text)` gets every line a process prints (stdout and stderr); `event(name, level,
 * msg, fields)` gets the supervisor's own news (a start, an exit, a restart's delay).
 */
export function supervise(programs, { cwd, env, line, event, backoff = BACKOFF, graceMs = 15_000 } = {}) {
  const states = new Map();
  let stopping = null;

  function start(name) {
    const state = states.get(name);
    const { command, args = [] } = programs[name];
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    state.child = child;
    state.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => line(name, text));
    let ended = false;
    const onEnd = (code, signal, error) => {
      if (ended) return;
      ended = true;
      state.child = null;
      const status = error ? error.message : (signal ?? `code ${code}`);
      if (stopping) {
        event(name, 'info', `${name} stopped (${status})`);
        return;
      }
      const upMs = Date.now() - state.startedAt;
      state.failures = upMs >= backoff.resetAfterMs ? 1 : state.failures + 1;
      const delayMs = restartDelay(state.failures, backoff);
      event(
        name,
        'error',
        `${name} exited (${status}) after ${seconds(upMs)}; restarting in ${seconds(delayMs)}`,
        {
          upMs,
          restarts: state.restarts,
          delayMs,
        },
      );
      state.timer = setTimeout(() => {
        state.timer = null;
        state.restarts++;
        start(name);
      }, delayMs);
    };
    child.once('exit', (code, signal) => onEnd(code, signal));
    child.once('error', (error) => onEnd(null, null, error));
    event(name, 'info', `${name} started (pid ${child.pid})`, { pid: child.pid, restarts: state.restarts });
  }

  for (const name of Object.keys(programs)) {
    states.set(name, { child: null, startedAt: 0, failures: 0, restarts: 0, timer: null });
    start(name);
  }

  return {
    /** The pid of `name`'s current process; undefined while it waits to be restarted. */
    pid: (name) => states.get(name)?.child?.pid,

    /** True once stop() was called. */
    get stopping() {
      return stopping !== null;
    },

    /** SIGTERM to every process, SIGKILL to those still there after the grace; resolves when all are gone. */
    stop() {
      stopping ??= Promise.all(
        [...states].map(([name, state]) => {
          clearTimeout(state.timer);
          const child = state.child;
          if (!child) return undefined;
          return stopProcess(child, {
            graceMs,
            onKill: () =>
              event(name, 'warn', `${name} still running ${seconds(graceMs)} after SIGTERM; sending SIGKILL`),
          });
        }),
      ).then(() => undefined);
      return stopping;
    },

    /** SIGKILL to every process now (a second Ctrl-C). */
    kill() {
      for (const state of states.values()) state.child?.kill('SIGKILL');
    },
  };
}

/**
 * The first SIGINT (Ctrl-C) or SIGTERM stops every process, then runs `after` (stopping what the
 * run started besides) and exits; a second one kills the processes at once.
 */
export function stopOnSignals(supervisor, { after = async () => {}, event } = {}) {
  let signalled = false;
  const onSignal = (signal) => {
    if (signalled) {
      event?.('supervisor', 'warn', `${signal} again: killing every process now`);
      supervisor.kill();
      return;
    }
    signalled = true;
    event?.('supervisor', 'info', `${signal}: stopping every process`);
    void supervisor
      .stop()
      .then(after)
      .then(
        () => process.exit(0),
        (error) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

const seconds = (ms) => `${Number((ms / 1000).toFixed(1))} s`;
