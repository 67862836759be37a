// fan-out: rooms of 100 members; 10 members of each room send, 2 in flight each; every member
// receives every message. Deliveries/s and send-to-receive latency, for the chat stack and bare.
import { runLoad } from '../lib/load.mjs';
import { startTarget } from '../lib/stack.mjs';

export const title = 'fan-out';

export async function run({ bench, quick, log }) {
  const rooms = quick ? 2 : 4;
  const roomSize = 100;
  const senders = 10;
  const perSender = quick ? 20 : 100;
  const settings = { rooms, roomSize, sendersPerRoom: senders, perSender, inFlight: 2 };
  const rows = [];
  for (const target of ['chat', 'bare']) {
    await bench.reset();
    const server = await startTarget(bench, target, { count: rooms * roomSize, roomSize });
    log(`fan-out: ${target} (${rooms} rooms × ${roomSize}, ${senders} senders each)`);
    const result = await runLoad({
      url: server.url,
      // Everybody joins first; the senders start once every room is full (a fixed 3 s was too
      // short here once: 10 of 400,000 deliveries went to members whose join came after them).
      joinBarrier: true,
      users: server.users.map((f, i) => ({
        ...f,
        startAtMs: 0,
        sendAtMs: 500,
        sends: i % roomSize < senders ? perSender : 0,
        inFlight: 2,
      })),
      deadlineMs: quick ? 60_000 : 120_000,
    });
    await server.stop();
    rows.push({ target, ...result });
  }
  const { chat, bare } = Object.fromEntries(rows.map((r) => [r.target, r]));
  return {
    settings,
    rows,
    checks: {
      'every member got every message': chat.delivered === chat.expectedDeliveries,
      'zero errors': chat.errorCount === 0,
      'deliveries/s ≥ 0.8 × bare': chat.deliveriesPerSec >= 0.8 * bare.deliveriesPerSec,
    },
  };
}
