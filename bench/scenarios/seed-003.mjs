// seed "003": 3,000 concurrent connections, each sending 1 message/s for 60 s, in rooms of 10;
// then every message must be in MongoDB. Latency counts from each send's planned moment (open loop).
import { runLoad } from '../lib/load.mjs';
import { loadThenDrain, usersInRooms } from '../lib/stack.mjs';
import { cpuMeter, databasePids } from '../lib/cpu.mjs';

export const title = 'seed-003 profile';

export async function run({ bench, quick, log }) {
  const connections = Number(process.env.BENCH_SEED003_CONNECTIONS ?? (quick ? 300 : 3000));
  const seconds = Number(process.env.BENCH_SEED003_SECONDS ?? (quick ? 10 : 60));
  const roomSize = Number(process.env.BENCH_SEED003_ROOM_SIZE ?? 10);
  const rampMs = quick ? 2000 : 10_000;
  // BENCH_SEED003_DRAIN=concurrent runs the worker alongside the load (see loadThenDrain).
  const concurrentDrain = process.env.BENCH_SEED003_DRAIN === 'concurrent';
  const settings = {
    connections,
    ratePerConnection: 1,
    seconds,
    roomSize,
    rampMs,
    drain: concurrentDrain ? 'concurrent' : 'after the load',
  };
  const result = await loadThenDrain(bench, { concurrentDrain, drainTimeoutMs: 120_000 }, async (stack) => {
    const fixtures = await usersInRooms(stack.api, connections, roomSize);
    log(`seed-003: ${connections} connections × 1 msg/s × ${seconds} s, rooms of ${roomSize}`);
    const meter = cpuMeter({ ...stack.pids, ...(await databasePids(bench)) });
    const load = await runLoad({
      url: stack.socket,
      // Connections arrive over the ramp; once all are in, each sends once a second.
      users: fixtures.map((f, i) => ({
        ...f,
        startAtMs: Math.floor((i * rampMs) / connections),
        // Spread over the second, like independent users (not all on the same tick).
        sendAtMs: rampMs + 1000 + Math.floor((i * 1000) / connections),
        sends: seconds,
        ratePerSec: 1,
      })),
      deadlineMs: (seconds + 60) * 1000,
    });
    return { ...load, cpuSeconds: meter() };
  });
  return {
    settings,
    rows: [{ target: 'chat', ...result }],
    checks: {
      'p99 < 50 ms': result.ack.p99 < 50,
      'every member got every message': result.delivered === result.expectedDeliveries,
      'zero errors': result.errorCount === 0,
      'persisted = acked = sent': result.persisted === result.acked && result.acked === result.sends,
    },
  };
}
