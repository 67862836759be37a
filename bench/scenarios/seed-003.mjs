// seed "003": 3,000 concurrent connections, each sending 1 message/s for 60 s, in rooms of 10,
// with the worker draining meanwhile. Latency counts from each send's planned moment (open loop).
import { runLoad } from '../lib/load.mjs';
import { startChatStack, usersInRooms } from '../lib/stack.mjs';
import { waitForDrain } from '../lib/drain.mjs';

export const title = 'seed-003 profile';

export async function run({ bench, quick, log }) {
  const connections = quick ? 300 : 3000;
  const seconds = quick ? 10 : 60;
  const roomSize = Number(process.env.BENCH_SEED003_ROOM_SIZE ?? 10);
  const rampMs = quick ? 2000 : 10_000;
  const settings = { connections, ratePerConnection: 1, seconds, roomSize, rampMs };
  const stack = await startChatStack(bench, { apps: ['api', 'socket', 'worker'] });
  try {
    const fixtures = await usersInRooms(stack.api, connections, roomSize);
    log(`seed-003: ${connections} connections × 1 msg/s × ${seconds} s, rooms of ${roomSize}`);
    const result = await runLoad({
      url: stack.socket,
      // Connections arrive over the ramp; each sends once a second from its arrival on.
      users: fixtures.map((f, i) => ({
        ...f,
        startAtMs: Math.floor((i * rampMs) / connections),
        sends: seconds,
        ratePerSec: 1,
      })),
      deadlineMs: (seconds + 60) * 1000,
    });
    Object.assign(result, await waitForDrain(bench, result.acked, 120_000));
    return {
      settings,
      rows: [{ target: 'chat', ...result }],
      checks: {
        'p99 < 50 ms': result.ack.p99 < 50,
        'zero errors': result.errorCount === 0,
        'persisted = acked = sent': result.persisted === result.acked && result.acked === result.sends,
      },
    };
  } finally {
    await stack.stop();
  }
}
