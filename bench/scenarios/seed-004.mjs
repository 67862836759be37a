// seed "004" (its Artillery run): arrivals ramping from 10 to 200 clients/s over 10 s (1,050
// clients), each sending 300 chats one after another: 315,000 messages. Completion time, p99,
// errors, and all of them persisted.
import { runLoad } from '../lib/load.mjs';
import { loadThenDrain, usersInRooms } from '../lib/stack.mjs';

export const title = 'seed-004 profile';

/** Start offsets (ms) of arrivals whose rate ramps linearly from `from` to `to` per s over `seconds`. */
export function rampArrivals(from, to, seconds) {
  const starts = [];
  const slope = (to - from) / seconds;
  // Cumulative arrivals N(t) = from·t + slope·t²/2; the k-th arrives when N(t) = k.
  const total = Math.round(from * seconds + (slope * seconds * seconds) / 2);
  for (let k = 0; k < total; k++) {
    const t = slope ? (-from + Math.sqrt(from * from + 2 * slope * k)) / slope : k / from;
    starts.push(Math.round(t * 1000));
  }
  return starts;
}

export async function run({ bench, quick, log }) {
  const [from, to, seconds] = quick ? [5, 20, 4] : [10, 200, 10];
  const sends = quick ? 30 : 300;
  const roomSize = 2;
  const arrivals = rampArrivals(from, to, seconds);
  // BENCH_SEED004_DRAIN=concurrent runs the worker alongside the load (see loadThenDrain).
  const concurrentDrain = process.env.BENCH_SEED004_DRAIN === 'concurrent';
  const settings = {
    arrivals: `${from} → ${to} clients/s over ${seconds} s`,
    clients: arrivals.length,
    sendsPerClient: sends,
    roomSize,
    drain: concurrentDrain ? 'concurrent' : 'after the load',
  };
  const result = await loadThenDrain(bench, { concurrentDrain, drainTimeoutMs: 300_000 }, async (stack) => {
    const fixtures = await usersInRooms(stack.api, arrivals.length, roomSize);
    log(`seed-004: ${arrivals.length} clients × ${sends} = ${arrivals.length * sends} messages`);
    const started = Date.now();
    const load = await runLoad({
      url: stack.socket,
      users: fixtures.map((f, i) => ({ ...f, startAtMs: arrivals[i], sends, inFlight: 1 })),
      deadlineMs: quick ? 60_000 : 300_000,
      // Room mates arrive at different moments; what one missed is history, not a live delivery.
      awaitDeliveries: false,
    });
    return { ...load, completionSec: Math.round((Date.now() - started) / 100) / 10 };
  });
  return {
    settings,
    rows: [{ target: 'chat', ...result }],
    checks: {
      'zero errors': result.errorCount === 0,
      [`all ${result.sends} persisted`]: result.persisted === result.sends && result.acked === result.sends,
    },
  };
}
