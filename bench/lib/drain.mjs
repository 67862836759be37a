import { waitUntil } from '../../scripts/harness.mjs';
import { dirtyRoomCount } from '../support.mjs';

/** Waits until the worker has moved everything to MongoDB; reports how many documents and how long. */
export async function waitForDrain(bench, expected, timeoutMs) {
  const started = Date.now();
  const messages = bench.db.collection('messages');
  let persisted = 0;
  // A drain that does not finish is reported by its figures, not thrown.
  await waitUntil(
    async () => {
      persisted = await messages.countDocuments({});
      return persisted >= expected && (await dirtyRoomCount(bench.redis)) === 0;
    },
    { what: 'the drain', timeoutMs, intervalMs: 250 },
  ).catch(() => {});
  return { persisted, drainWaitSec: Math.round((Date.now() - started) / 100) / 10 };
}
