// One load-generating process: socket.io clients driven by a plan from the orchestrator (IPC),
// measuring into HDR histograms (microseconds) that it sends back encoded. It runs apart from
// the servers it measures and from the other load processes, and stops by itself: every wait
// is bounded by the plan's deadline.
//
// Plan: { url, deadlineMs, users: [{ token, roomId, startAtMs, sends, inFlight, ratePerSec }],
//         warmup?: { users, deadlineMs, expectDeliveries } run first, in the same process }
//   startAtMs   when to connect, from the plan's start (arrival schedules)
//   sendAtMs    when to start sending (after joining), from the plan's start; default at once
//   sends       how many chat:send this user makes after joining
//   inFlight    closed loop: that many sends awaiting their ack at any moment
//   ratePerSec  open loop instead: one send every 1/rate s, latency counted from the planned
//               moment so a stalled server cannot hide its queue (no coordinated omission)
// plan.joinBarrier: sendAtMs counts instead from the moment every user of every load process has
// joined (or failed to), so that no member of a room misses a message by joining late.
import * as hdr from 'hdr-histogram-js';
import { io } from 'socket.io-client';
import { ackWindows, timelineEnabled } from './timeline.mjs';

const now = () => performance.timeOrigin + performance.now();
/** The next message from the orchestrator that has `key`. */
function nextMessage(key) {
  return new Promise((resolve) => {
    const listener = (message) => {
      if (!message?.[key]) return;
      process.off('message', listener);
      resolve(message);
    };
    process.on('message', listener);
  });
}

const histogram = () =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120e6, numberOfSignificantValueDigits: 3 });

async function run(plan) {
  const ack = histogram();
  const delivery = histogram();
  const connect = histogram();
  const windows = timelineEnabled() ? ackWindows() : null;
  const errors = {};
  const fail = (code) => (errors[code] = (errors[code] ?? 0) + 1);
  let acked = 0;
  let delivered = 0;
  let firstSend = Infinity;
  let lastAck = 0;
  const started = now();
  const deadline = started + plan.deadlineMs;
  const sockets = [];
  let seq = 0;
  let closing = false;
  // The join barrier: this process reports once each of its users has joined or failed to.
  const allJoined = plan.joinBarrier ? nextMessage('allJoined') : null;
  let settled = 0;
  const settle = () => {
    if (++settled === plan.users.length && allJoined) process.send({ joined: true });
  };

  async function user(spec) {
    const wait = started + spec.startAtMs - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = now();
    const socket = io(plan.url, {
      auth: { token: spec.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    sockets.push(socket);
    try {
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
    } catch (error) {
      settle();
      return fail(`connect: ${error.message}`);
    }
    connect.recordValue(Math.max(1, Math.round((now() - t0) * 1000)));
    // A dropped connection is an error of the run, not something to hide.
    socket.on('disconnect', (reason) => closing || fail(`disconnect: ${reason}`));
    socket.on('chat:message', (message) => {
      const sentAt = Number(message.content.slice(0, message.content.indexOf('|')));
      if (sentAt > 0) {
        delivered++;
        delivery.recordValue(Math.max(1, Math.round((now() - sentAt) * 1000)));
      }
    });
    const joined = await socket
      .timeout(30_000)
      .emitWithAck('room:join', { roomId: spec.roomId })
      .catch(() => null);
    settle();
    if (!joined?.ok) return fail(`join: ${joined?.error?.code ?? 'TIMEOUT'}`);
    if (allJoined) await allJoined;
    const hold = (allJoined ? now() : started) + (spec.sendAtMs ?? 0) - now();
    if (hold > 0) await new Promise((r) => setTimeout(r, hold));

    const sendOne = async (plannedAt) => {
      const at = now();
      firstSend = Math.min(firstSend, at);
      const content = `${at.toFixed(3)}|${'x'.repeat(plan.payloadBytes ?? 64)}`;
      const clientMsgId = `${process.pid}-${++seq}`;
      const budget = Math.max(1000, deadline - at);
      const reply = await socket
        .timeout(budget)
        .emitWithAck('chat:send', { roomId: spec.roomId, clientMsgId, content })
        .catch(() => ({ ok: false, error: { code: 'TIMEOUT' } }));
      const done = now();
      if (!reply.ok) return fail(reply.error.code);
      acked++;
      lastAck = Math.max(lastAck, done);
      // Open loop: from the planned moment, so a stalled server cannot hide its queue.
      const from = plannedAt ?? at;
      ack.recordValue(Math.max(1, Math.round((done - from) * 1000)));
      windows?.record(from, done - from);
    };

    if (spec.ratePerSec) {
      const period = 1000 / spec.ratePerSec;
      const first = now();
      const pending = [];
      for (let i = 0; i < spec.sends && now() < deadline; i++) {
        const plannedAt = first + i * period;
        const wait = plannedAt - now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        pending.push(sendOne(plannedAt));
      }
      await Promise.all(pending);
    } else {
      let next = 0;
      const lane = async () => {
        while (next < spec.sends && now() < deadline) {
          next++;
          await sendOne();
        }
      };
      await Promise.all(Array.from({ length: spec.inFlight ?? 1 }, lane));
    }
  }

  await Promise.all(plan.users.map(user));
  // Deliveries still on their way: wait for the expected count, within the deadline.
  const expected = plan.expectDeliveries ?? 0;
  while (delivered < expected && now() < Math.min(deadline, lastAck + 10_000))
    await new Promise((r) => setTimeout(r, 20));
  const cpu = process.cpuUsage();
  const result = {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    acked,
    delivered,
    errors,
    firstSend: Number.isFinite(firstSend) ? firstSend : null,
    lastAck: lastAck || null,
    ack: hdr.encodeIntoCompressedBase64(ack),
    delivery: hdr.encodeIntoCompressedBase64(delivery),
    connect: hdr.encodeIntoCompressedBase64(connect),
  };
  windows?.save();
  closing = true;
  for (const socket of sockets) socket.close();
  return result;
}

process.once('message', async (plan) => {
  try {
    // The warm-up's own users first, measured apart and only counted (see runLoad's warmup);
    // then wait until every load process is warm, so that their schedules start together.
    const warmup = plan.warmup ? await run({ ...plan, ...plan.warmup, joinBarrier: false }) : null;
    if (warmup) {
      const go = nextMessage('go');
      process.send({ warm: true });
      await go;
    }
    const result = await run(plan);
    if (warmup) result.warmup = { acked: warmup.acked, delivered: warmup.delivered, errors: warmup.errors };
    process.send({ ok: true, result }, () => process.exit(0));
  } catch (error) {
    process.send({ ok: false, error: String(error?.stack ?? error) }, () => process.exit(1));
  }
});
