import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BACKOFF, restartDelay } from '../../scripts/supervisor.mjs';
import { phases } from '../support/phases.js';
import { freePort } from '../../scripts/harness.mjs';

/**
 * `npm start`'s supervisor (scripts/supervisor.mjs), run for real over stand-in apps (tiny HTTP
 * servers, fixtures/serve.mjs) and wired to signals as start.mjs wires it (fixtures/supervise.mjs):
 * a SIGKILLed app comes back with backoff while the others keep answering, and SIGTERM to the
 * supervisor stops every app (SIGKILL for one that ignores SIGTERM) before anything else.
 */
const FIXTURES = join(import.meta.dirname, 'fixtures');
const GRACE_MS = 1000;
const steps = phases({ start: 20_000, restart: 20_000, again: 20_000, stop: 20_000 });

interface Answer {
  name: string;
  pid: number;
}
type LogRecord = { level: number; name: string; msg: string } & { [key: string]: unknown };

const ask = (port: number): Promise<Answer | null> =>
  fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.json() as Promise<Answer>,
    () => null,
  );
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let supervisor: ChildProcess | undefined;
const pids = new Set<number>();

afterAll(() => {
  // Only when the test failed half-way: nothing of this test outlives it.
  if (supervisor?.exitCode === null) supervisor.kill('SIGKILL');
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

it('sets the pause before a restart from the failures in a row', () => {
  expect([1, 2, 3, 4, 5, 6, 7].map((n) => restartDelay(n))).toEqual([
    500, 1000, 2000, 4000, 8000, 10_000, 10_000,
  ]);
  expect(BACKOFF.resetAfterMs).toBe(30_000);
});

it(
  'restarts a SIGKILLed app while the others keep answering, and stops them all on SIGTERM',
  async () => {
    const ports = { one: await freePort(), two: await freePort(), stubborn: await freePort() };
    supervisor = spawn(
      process.execPath,
      [
        join(FIXTURES, 'supervise.mjs'),
        `one:${ports.one}`,
        `two:${ports.two}`,
        `stubborn:${ports.stubborn}:stubborn`,
      ],
      { env: { ...process.env, GRACE_MS: String(GRACE_MS) }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines: string[] = [];
    createInterface({ input: supervisor.stdout! }).on('line', (line) => lines.push(line));
    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', resolve));
    const records = () =>
      lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogRecord);

    const first = await steps.run('start', (phase) =>
      Promise.all(
        Object.values(ports).map((port) =>
          phase.waitFor(`the app on port ${port} to answer`, () => ask(port)),
        ),
      ),
    );
    const [one, two, stubborn] = first;
    for (const { pid } of first) pids.add(pid);

    // `two` is asked over and over from before the kill until `one` is back twice.
    let watching = true;
    const seenByTwo: Array<Answer | null> = [];
    const watch = (async () => {
      while (watching) {
        seenByTwo.push(await ask(ports.two));
        await new Promise((r) => setTimeout(r, 10)); // pacing: asked all along, not waiting for anything
      }
    })();
    let second: Answer, third: Answer;
    try {
      process.kill(one.pid, 'SIGKILL');
      second = await steps.run('restart', (phase) =>
        phase.waitFor('`one` to answer from a new process', async () => {
          const answer = await ask(ports.one);
          return answer && answer.pid !== one.pid ? answer : null;
        }),
      );
      pids.add(second.pid);
      expect(alive(one.pid)).toBe(false);

      // A second crash soon after: the pause doubles.
      process.kill(second.pid, 'SIGKILL');
      third = await steps.run('again', (phase) =>
        phase.waitFor('`one` to answer from a third process', async () => {
          const answer = await ask(ports.one);
          return answer && answer.pid !== second.pid ? answer : null;
        }),
      );
      pids.add(third.pid);
    } finally {
      watching = false;
      await watch;
    }
    expect(seenByTwo.length).toBeGreaterThan(0);
    expect(seenByTwo.filter((answer) => answer?.pid !== two.pid)).toEqual([]);

    const crashes = records().filter((r) => r.name === 'one' && r.level === 50);
    expect(crashes.map((r) => [r.msg.replace(/ after [\d.]+ s/, ''), r.delayMs])).toEqual([
      ['one exited (SIGKILL); restarting in 0.5 s', 500],
      ['one exited (SIGKILL); restarting in 1 s', 1000],
    ]);
    // Not a terminal: the apps' JSON lines unchanged, plain lines tagged with their app.
    expect(lines).toContainEqual(
      expect.stringMatching(/^\{"level":30,"time":\d+,"pid":\d+,"name":"two","msg":"listening"\}$/),
    );
    expect(lines).toContain('[two] two: a plain line');

    await steps.run('stop', async () => {
      supervisor!.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
    for (const { pid } of [third, two, stubborn])
      expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
    const events = records();
    const afterStop = events.findIndex((r) => r.msg === 'after stop');
    expect(events[afterStop].running).toEqual([]);
    const stopped = events.filter((r) => / stopped \(/.test(r.msg)).map((r) => r.msg);
    expect(stopped.sort()).toEqual([
      'one stopped (SIGTERM)',
      'stubborn stopped (SIGKILL)',
      'two stopped (SIGTERM)',
    ]);
    expect(events.findIndex((r) => r.msg.startsWith('stubborn still running'))).toBeLessThan(afterStop);
    expect(Math.max(...events.map((r, i) => (/ stopped \(/.test(r.msg) ? i : -1)))).toBeLessThan(afterStop);
  },
  steps.totalMs,
);
