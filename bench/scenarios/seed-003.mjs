// seed "003": 3,000 concurrent connections, each sending 1 message/s for 60 s, in rooms of 10;
// then every message must be in MongoDB. Latency counts from each send's planned moment (open loop).
// A warm-up comes first, from the same load processes on other connections and rooms: 300
// connections × 2 messages/s for 5 s. Without it the first second of the measured run timed V8
// compiling the send path on both sides (acks of 100-250 ms while the 3,000 first messages
// queued behind unoptimised code), not the steady state the seed describes.
// `bare` runs the same profile on the stack's ceiling (XADD + broadcast + ack, nothing else), so
// that the absolute target is also read against what this machine allows at the same moment.
import { runLoad } from '../lib/load.mjs';
import { loadThenDrain, startTarget, usersInRooms } from '../lib/stack.mjs';
import { cpuMeter, databasePids } from '../lib/cpu.mjs';

export const title = 'seed-003 profile';
const TARGETS = (process.env.BENCH_SEED003_TARGETS ?? 'chat,bare').split(',');

export async function run({ bench, quick, log }) {
  const connections = Number(process.env.BENCH_SEED003_CONNECTIONS ?? (quick ? 300 : 3000));
  const seconds = Number(process.env.BENCH_SEED003_SECONDS ?? (quick ? 10 : 60));
  const roomSize = Number(process.env.BENCH_SEED003_ROOM_SIZE ?? 10);
  const rampMs = quick ? 2000 : 10_000;
  const warmupConnections = Number(process.env.BENCH_SEED003_WARMUP ?? (quick ? 100 : 300));
  const warmupSeconds = 5;
  // BENCH_SEED003_DRAIN=concurrent runs the worker alongside the load (see loadThenDrain).
  const concurrentDrain = process.env.BENCH_SEED003_DRAIN === 'concurrent';
  const settings = {
    connections,
    ratePerConnection: 1,
    seconds,
    roomSize,
    rampMs,
    drain: concurrentDrain ? 'concurrent' : 'after the load',
    warmup: `${warmupConnections} other connections × 2 msg/s × ${warmupSeconds} s, not measured`,
  };
  /** The measured load on `url`, with the warm-up first, and the CPU each process used. */
  const measure = async (url, users, warmupUsers, pids) => {
    log(`seed-003: ${connections} connections × 1 msg/s × ${seconds} s, rooms of ${roomSize}`);
    const meter = cpuMeter({ ...pids, ...(await databasePids(bench)) });
    const load = await runLoad({
      url,
      // Connections arrive over the ramp; once all are in, each sends once a second.
      users: users.map((f, i) => ({
        ...f,
        startAtMs: Math.floor((i * rampMs) / connections),
        // Spread over the second, like independent users (not all on the same tick).
        sendAtMs: rampMs + 1000 + Math.floor((i * 1000) / connections),
        sends: seconds,
        ratePerSec: 1,
      })),
      deadlineMs: (seconds + 60) * 1000,
      warmup: warmupConnections > 0 && {
        users: warmupUsers.map((f, i) => ({
          ...f,
          startAtMs: Math.floor((i * 1000) / warmupConnections),
          // Everyone has joined before the first send, so every member receives every message.
          sendAtMs: 2000 + Math.floor((i * 500) / warmupConnections),
          sends: 2 * warmupSeconds,
          ratePerSec: 2,
        })),
        deadlineMs: (warmupSeconds + 30) * 1000,
      },
    });
    return { ...load, cpuSeconds: meter() };
  };
  const rows = [];
  for (const target of TARGETS) {
    await bench.reset();
    log(`seed-003: ${target}`);
    let result;
    if (target === 'chat') {
      result = await loadThenDrain(bench, { concurrentDrain, drainTimeoutMs: 120_000 }, async (stack) => {
        const users = await usersInRooms(stack.api, connections, roomSize);
        const warmupUsers = await usersInRooms(stack.api, warmupConnections, roomSize);
        return measure(stack.socket, users, warmupUsers, stack.pids);
      });
    } else {
      const peer = await startTarget(bench, target, { count: connections + warmupConnections, roomSize });
      result = await measure(
        peer.url,
        peer.users.slice(0, connections),
        peer.users.slice(connections),
        peer.pids,
      ).finally(() => peer.stop());
    }
    rows.push({ target, ...result });
  }
  const { chat, bare } = Object.fromEntries(rows.map((row) => [row.target, row]));
  const notes = [];
  if (chat && bare)
    notes.push(
      `bare under the same profile: p99 ${bare.ack.p99} ms; chat p99 is ${Math.round((100 * chat.ack.p99) / bare.ack.p99) / 100} × bare's`,
    );
  return {
    settings,
    rows,
    notes,
    checks: chat && {
      'p99 < 50 ms': chat.ack.p99 < 50,
      'every member got every message': chat.delivered === chat.expectedDeliveries,
      'zero errors': chat.errorCount === 0 && (chat.warmup?.errors ?? 0) === 0,
      'persisted = acked = sent': chat.persisted === chat.acked && chat.acked === chat.sends,
    },
  };
}
