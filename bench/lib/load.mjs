// The orchestrator's side of the load processes: splits a plan's users over N processes, runs
// them at once and merges what they measured.
import { fork } from 'node:child_process';
import * as hdr from 'hdr-histogram-js';
import { profileArgs } from './stack.mjs';
import { timelineArgs } from './timeline.mjs';

const LOAD_PROCESS = new URL('./load-process.mjs', import.meta.url);
/**
 * A load process parses every delivery it receives (socket.io-client: tens of MB/s under
 * seed-003), and with V8's default 16 MB young generation it paused for a scavenge every 0.15 s:
 * pauses that its clients' latencies counted as the server's. A 64 MB one, as the socket app
 * has, scavenges a third as often (255 → 95 per seed-003 run, total pause 1.1 → 0.65 s).
 */
const LOAD_NODE_FLAGS = ['--max-semi-space-size=64'];

/** p50/p99/p99.9/max in milliseconds of an HDR histogram recorded in microseconds. */
export function latency(histogram) {
  if (!histogram.totalCount) return null;
  const ms = (p) => Math.round(histogram.getValueAtPercentile(p) / 10) / 100;
  return {
    count: histogram.totalCount,
    p50: ms(50),
    p99: ms(99),
    p999: ms(99.9),
    max: ms(100),
    mean: Math.round(histogram.mean / 10) / 100,
  };
}

/** Sends each room will see, over all of `users`. */
function sendsPerRoom(users) {
  const perRoom = new Map();
  for (const u of users) perRoom.set(u.roomId, (perRoom.get(u.roomId) ?? 0) + u.sends);
  return perRoom;
}

/** `users` dealt over `processes` shares, with the deliveries each share should receive. */
function deal(users, processes) {
  const perRoom = sendsPerRoom(users);
  const shares = Array.from({ length: processes }, () => []);
  users.forEach((u, i) => shares[i % processes].push(u));
  return shares.map((share) => ({
    users: share,
    expectDeliveries: share.reduce((n, u) => n + perRoom.get(u.roomId), 0),
  }));
}

/**
 * Runs `users` against `url` from `processes` load processes. Returns acked/s over the span
 * from the first send to the last ack, delivery figures and errors by code.
 *
 * `joinBarrier`: each user's sendAtMs counts from the moment every user has joined (or failed
 * to), instead of from the start: every member of a room is in before its first message.
 *
 * `warmup` ({ users, deadlineMs }): other users that each load process drives first, in the same
 * processes against the same server, so that neither side is measured while V8 still runs
 * its first, unoptimised code. Their sends are not in the figures; `warmup` in the result
 * counts them (they are stored like any other).
 */
export async function runLoad({
  url,
  users,
  processes = 2,
  deadlineMs = 120_000,
  payloadBytes = 64,
  awaitDeliveries = true,
  joinBarrier = false,
  warmup = null,
}) {
  const shares = deal(users, processes);
  const warmShares = warmup ? deal(warmup.users, processes) : [];
  const active = shares
    .map((share, i) => ({ ...share, warmup: warmShares[i] }))
    .filter((share) => share.users.length);
  // Barriers: after a warm-up (`warm`) or its joins (`joined`), every process waits for the
  // others, then all are told to go on: a room's members are spread over the processes, and
  // their schedules must line up.
  const barriers = { warm: 'go', joined: 'allJoined' };
  const reported = { warm: 0, joined: 0 };
  const children = [];
  const expect = (share) => (awaitDeliveries ? share.expectDeliveries : 0);
  const results = await Promise.all(
    active.map(
      (share, index) =>
        new Promise((resolve, reject) => {
          const child = fork(LOAD_PROCESS, {
            execArgv: [...LOAD_NODE_FLAGS, ...profileArgs(`load-${Date.now()}-${index}`), ...timelineArgs()],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          children.push(child);
          const warmupMs = warmup ? warmup.deadlineMs : 0;
          const timer = setTimeout(() => child.kill('SIGKILL'), warmupMs + deadlineMs + 60_000);
          child.on('message', (reply) => {
            const barrier = Object.keys(barriers).find((key) => reply[key]);
            if (barrier) {
              if (++reported[barrier] === active.length)
                for (const c of children) c.send({ [barriers[barrier]]: true });
              return;
            }
            clearTimeout(timer);
            reply.ok ? resolve(reply.result) : reject(new Error(reply.error));
          });
          child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`load process exited with ${code}`));
          });
          child.send({
            url,
            users: share.users,
            deadlineMs,
            payloadBytes,
            joinBarrier,
            expectDeliveries: expect(share),
            ...(warmup && {
              warmup: {
                users: share.warmup.users,
                deadlineMs: warmup.deadlineMs,
                expectDeliveries: expect(share.warmup),
              },
            }),
          });
        }),
    ),
  );
  const merge = (key) => {
    const total = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 120e6,
      numberOfSignificantValueDigits: 3,
    });
    for (const r of results) total.add(hdr.decodeFromCompressedBase64(r[key]));
    return total;
  };
  const errors = {};
  for (const r of results)
    for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  const acked = results.reduce((n, r) => n + r.acked, 0);
  const delivered = results.reduce((n, r) => n + r.delivered, 0);
  const firsts = results.map((r) => r.firstSend).filter(Boolean);
  const lasts = results.map((r) => r.lastAck).filter(Boolean);
  const seconds = firsts.length && lasts.length ? (Math.max(...lasts) - Math.min(...firsts)) / 1000 : 0;
  const expectedDeliveries = shares.reduce((n, share) => n + share.expectDeliveries, 0);
  return {
    sends: users.reduce((n, u) => n + u.sends, 0),
    acked,
    seconds: Math.round(seconds * 100) / 100,
    ackedPerSec: seconds ? Math.round(acked / seconds) : 0,
    ack: latency(merge('ack')),
    delivered,
    expectedDeliveries,
    deliveriesPerSec: seconds ? Math.round(delivered / seconds) : 0,
    delivery: latency(merge('delivery')),
    connect: latency(merge('connect')),
    errors,
    loadCpuSeconds: Math.round(results.reduce((n, r) => n + r.cpuSeconds, 0) * 10) / 10,
    errorCount: Object.values(errors).reduce((a, b) => a + b, 0),
    ...(warmup && {
      warmup: {
        connections: warmup.users.length,
        acked: results.reduce((n, r) => n + (r.warmup?.acked ?? 0), 0),
        delivered: results.reduce((n, r) => n + (r.warmup?.delivered ?? 0), 0),
        errors: results.reduce(
          (n, r) => n + Object.values(r.warmup?.errors ?? {}).reduce((a, b) => a + b, 0),
          0,
        ),
      },
    }),
  };
}
