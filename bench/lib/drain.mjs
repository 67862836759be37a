import { dirtyRoomCount } from '../support.mjs';

/** Waits until the worker has moved everything to MongoDB; reports how many documents and how long. */
export async function waitForDrain(bench, expected, timeoutMs) {
  const started = Date.now();
  const messages = bench.db.collection('messages');
  let persisted = 0;
  while (Date.now() - started < timeoutMs) {
    persisted = await messages.countDocuments({});
    if (persisted >= expected && (await dirtyRoomCount(bench.redis)) === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { persisted, drainWaitSec: Math.round((Date.now() - started) / 100) / 10 };
}
