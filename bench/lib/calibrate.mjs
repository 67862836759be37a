// How fast this machine's cores are at the moment of the run: a fixed piece of single-threaded
// work like the hot path's (JSON of a chat message both ways, a frame's bytes, a SHA-1), timed
// three times. Runs on different days or VMs are compared by this figure before their peers:
// the same code on the same kind of VM has measured up to 2.4 × apart.
import { createHash } from 'node:crypto';

const MESSAGE = {
  id: '1764620000000-0',
  roomId: '6650f1c2a4b5c6d7e8f90123',
  senderId: '6650f1c2a4b5c6d7e8f90456',
  senderName: 'calibration',
  content: 'x'.repeat(64),
  clientMsgId: 'calibration-1',
  createdAt: '2026-12-01T00:00:00.000Z',
};
const ROUNDS = 200_000;

function once() {
  const started = process.hrtime.bigint();
  let bytes = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const text = JSON.stringify({ ...MESSAGE, clientMsgId: `calibration-${i}` });
    bytes += Buffer.byteLength(JSON.parse(text).content);
    if (i % 16 === 0) bytes += createHash('sha1').update(text).digest().length;
  }
  if (bytes === 0) throw new Error('calibration did no work');
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Milliseconds the fixed work took (the fastest of three, after one warm-up): lower is faster. */
export function calibrate() {
  once();
  return Math.round(Math.min(once(), once(), once()));
}
