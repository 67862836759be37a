// The orchestrator's side of the load processes: splits a plan's users over N processes, runs
// them at once and merges what they measured.
import { fork } from 'node:child_process';
import * as hdr from 'hdr-histogram-js';

const LOAD_PROCESS = new URL('./load-process.mjs', import.meta.url);

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

/**
 * Runs `users` against `url` from `processes` load processes. Returns acked/s over the span
 * from the first send to the last ack, delivery figures and errors by code.
 */
export async function runLoad({
  url,
  users,
  processes = 2,
  deadlineMs = 120_000,
  payloadBytes = 64,
  awaitDeliveries = true,
}) {
  const sendsPerRoom = new Map();
  for (const u of users) sendsPerRoom.set(u.roomId, (sendsPerRoom.get(u.roomId) ?? 0) + u.sends);
  const shares = Array.from({ length: processes }, () => []);
  users.forEach((u, i) => shares[i % processes].push(u));
  const results = await Promise.all(
    shares
      .filter((share) => share.length)
      .map(
        (share) =>
          new Promise((resolve, reject) => {
            const child = fork(LOAD_PROCESS, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
            const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs + 60_000);
            child.once('message', (reply) => {
              clearTimeout(timer);
              reply.ok ? resolve(reply.result) : reject(new Error(reply.error));
            });
            child.once('exit', (code) => {
              clearTimeout(timer);
              reject(new Error(`load process exited with ${code}`));
            });
            const expectDeliveries = awaitDeliveries
              ? share.reduce((n, u) => n + sendsPerRoom.get(u.roomId), 0)
              : 0;
            child.send({ url, users: share, deadlineMs, payloadBytes, expectDeliveries });
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
  const expectedDeliveries = users.reduce((n, u) => n + sendsPerRoom.get(u.roomId), 0);
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
  };
}
