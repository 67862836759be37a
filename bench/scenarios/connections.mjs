// connections: how much memory one client can make the socket app hold, read from the socket
// app's own process. Two figures each time:
//   RSS   VmRSS and its peak VmHWM (/proc/<pid>/status, sampled every 100 ms; the peak is reset
//         by writing 5 to clear_refs, as bench/files.mjs does): what the machine gives the
//         process, including garbage not yet collected (the socket app's young generation may
//         grow to 64 MB semi-spaces) and pages V8 and malloc keep after freeing;
//   live  V8's used heap plus external memory (Buffers, zlib contexts) right after a full GC,
//         which the bench asks for over the inspector (the socket app runs with
//         --inspect=127.0.0.1:<port>; HeapProfiler.collectGarbage, then process.memoryUsage()):
//         what the connections really hold.
// Each part runs on a fresh socket app, warmed up with a few connections of the same kind, and
// divides the growth over the idle baseline by the connections open at the moment measured:
//   1. the idle baseline;
//   2. N anonymous raw WebSockets (permessage-deflate) that each send the largest message allowed
//      before authentication, a compressed CONNECT ("40") with a junk token, 4,095 bytes
//      inflated, and then wait: the server closes them after SOCKET_AUTH_TIMEOUT_MS, or we do
//      after that plus 3 s;
//   3. the attack: anonymous connections that each send one compressed frame of "0"s
//      that inflates to 10 MiB (today they are closed with 1009 at once);
//   4. N authenticated idle connections, each joined to a room of its own;
//   5. one authenticated member that stops reading (its TCP socket paused) while a second member
//      sends 4,000-character messages of random text into their room as fast as acks come: the
//      growth of the socket app, and whether and when it dropped the paused connection (read
//      from its chat_socket_connections gauge); and, as a control, the same sends to a member
//      that reads.
// Before/after a change: build the other commit in a git worktree and run this file against it,
// BENCH_APPS_ROOT=/tmp/wt npm run bench -- connections (bench/support.mjs).
// Every load targets 127.0.0.1, is bounded in count and time, and stops by itself.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { io } from 'socket.io-client';
import { freePort } from '../support.mjs';
import { startChatStack, usersInRooms } from '../lib/stack.mjs';

export const title = 'connections: memory one client can make the socket app hold';
/** Its figures are kept in bench/results/latest.json from a run of its own (see run.mjs). */
export const standalone = true;

const MiB = 1024 * 1024;
const KiB = 1024;
/** The socket app's defaults this scenario plays against (libs/config, since ae7db5a). */
const LIMITS = {
  SOCKET_PREAUTH_MAX_BYTES: 4096,
  SOCKET_AUTH_TIMEOUT_MS: 5000,
  SOCKET_MAX_OUTBOUND_BYTES: 8 * MiB,
  maxHttpBufferSize: 11 * MiB, // MAX_FILE_BYTES + 1 MiB, after authentication
  SOCKET_PING_INTERVAL_MS: 10_000, // engine.io's heartbeat also drops a client that reads nothing
  SOCKET_PING_TIMEOUT_MS: 5000,
};
const SAMPLE_MS = 100;
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function run({ bench, quick, log }) {
  const settings = {
    unauthenticated: quick ? 100 : 500,
    preAuthMessageBytes: LIMITS.SOCKET_PREAUTH_MAX_BYTES - 1,
    attack: { connections: quick ? 10 : 50, inflatedBytes: 10 * MiB },
    authenticated: quick ? 100 : 500,
    slowReader: { messages: quick ? 2000 : 10_000, contentChars: 4000, inFlight: 50, maxSeconds: 30 },
    sampleMs: SAMPLE_MS,
    limits: LIMITS,
  };
  const rows = [];
  const step = async (name, apps, body) => {
    await bench.reset();
    log(`connections: ${name}`);
    const inspectPort = await freePort();
    const stack = await startChatStack(bench, {
      apps,
      nodeArgs: { socket: [`--inspect=127.0.0.1:${inspectPort}`] },
    });
    let probe;
    try {
      probe = await memoryProbe(stack.pids.socket, stack.socket, inspectPort);
      rows.push({ target: name, ...(await body(stack, probe)) });
    } finally {
      probe?.close();
      await stack.stop();
    }
  };

  await step(
    `${settings.unauthenticated} unauthenticated, ${settings.preAuthMessageBytes}-byte CONNECT each`,
    ['socket'],
    (stack, probe) =>
      anonymous(stack, probe, {
        count: settings.unauthenticated,
        message: junkConnect(settings.preAuthMessageBytes),
        warmup: 20,
        holdMs: LIMITS.SOCKET_AUTH_TIMEOUT_MS + 3000,
      }),
  );
  await step(
    `${settings.attack.connections} unauthenticated, "0"s inflating to 10 MiB each`,
    ['socket'],
    (stack, probe) =>
      anonymous(stack, probe, {
        count: settings.attack.connections,
        message: Buffer.from(`40${'0'.repeat(settings.attack.inflatedBytes - 2)}`),
        warmup: 2,
        // Until every connection is closed or answered, then 2 s more; 25 s at most.
        holdMs: 25_000,
        untilAnswered: true,
        // The peak is what counts here: the connections hold their message only while it is read.
        perConnection: false,
      }),
  );
  await step(
    `${settings.authenticated} authenticated idle, one room each`,
    ['api', 'socket'],
    (stack, probe) => authenticatedIdle(stack, probe, { count: settings.authenticated, warmup: 20 }),
  );
  await step(
    `1 member not reading, ${settings.slowReader.messages.toLocaleString('en-US')} × ${settings.slowReader.contentChars} chars to its room`,
    ['api', 'socket'],
    (stack, probe) => slowReader(stack, probe, settings.slowReader),
  );
  await step('control: the same sends, the member reading', ['api', 'socket'], (stack, probe) =>
    slowReader(stack, probe, { ...settings.slowReader, pause: false }),
  );

  const [preAuth, attack, idle, slow, control] = rows;
  const checks = {
    [`unauthenticated connections closed by the server within ${LIMITS.SOCKET_AUTH_TIMEOUT_MS / 1000} s + 3 s`]:
      preAuth.closedByServer === preAuth.connections,
    'pre-authentication message of the limit accepted (no 1009)': !preAuth.closeCodes['1009'],
    '10 MiB inflated frames closed with 1009': attack.closeCodes['1009'] === attack.connections,
    'authenticated connections all joined': idle.joined === idle.connections,
    'member that stopped reading dropped': slow.droppedAfterSec !== null,
  };
  const notes = [
    `per connection, live (heap + external after a full GC) / RSS peak growth: unauthenticated ${preAuth.perConnectionKiB.live} / ${preAuth.perConnectionKiB.rss} KiB, authenticated idle ${idle.perConnectionKiB.live} / ${idle.perConnectionKiB.rss} KiB`,
    `the member not reading: live memory at most +${slow.liveMiB.growth} MiB over the idle app (full GC every second), RSS peak +${slow.rssMiB.growth} MiB; the same sends to a member reading: +${control.liveMiB.growth} MiB live, +${control.rssMiB.growth} MiB RSS`,
    'RSS growth is an upper bound: it includes garbage not yet collected and pages kept after freeing',
  ];
  return { settings, rows, checks, notes };
}

/**
 * The socket app's memory: `rss()`, `live()` (heap + external after a full GC, over the
 * inspector), `sample()` (VmRSS every 100 ms and the peak VmHWM), and its /metrics gauges.
 */
async function memoryProbe(pid, url, inspectPort) {
  const status = () => readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (text, key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)[1]) * 1024;
  const inspector = await connectInspector(inspectPort);
  const live = async () => {
    await inspector.call('HeapProfiler.collectGarbage');
    const { result } = await inspector.call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    const usage = JSON.parse(result.value);
    return { live: usage.heapUsed + usage.external, heapUsed: usage.heapUsed, external: usage.external };
  };
  return {
    rss: () => field(status(), 'VmRSS'),
    live,
    async gauge(name) {
      const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text());
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
      return match ? Number(match[1]) : null;
    },
    /** The idle figures, after `settleMs`: RSS averaged over half a second, and live memory. */
    async baseline(settleMs = 1500) {
      await sleep(settleMs);
      const held = await live();
      let rss = 0;
      for (let i = 0; i < 5; i++) {
        await sleep(100);
        rss += field(status(), 'VmRSS') / 5;
      }
      return { rss, ...held };
    },
    sample() {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      const started = now();
      let top = { t: 0, rss: 0 };
      const timer = setInterval(() => {
        try {
          const rss = field(status(), 'VmRSS');
          if (rss > top.rss) top = { t: now() - started, rss };
        } catch {
          // the process is gone
        }
      }, SAMPLE_MS);
      return {
        stop() {
          clearInterval(timer);
          return { peakRss: Math.max(field(status(), 'VmHWM'), top.rss), peakAtSec: round(top.t / 1000, 2) };
        },
      };
    },
    close: () => inspector.close(),
  };
}

/** A Chrome DevTools Protocol session with the process listening on `port` (--inspect). */
async function connectInspector(port) {
  const [target] = await fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json());
  const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data));
    const done = pending.get(message.id);
    if (!done) return;
    pending.delete(message.id);
    done(message);
  });
  return {
    call: (method, params = {}) =>
      new Promise((resolve, reject) => {
        pending.set(++id, (m) =>
          m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result),
        );
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.terminate(),
  };
}

/** The memory columns of a row: baseline, peak and growth, and per connection. */
function memoryRow(base, peak, held, connections) {
  const growth = peak.peakRss - base.rss;
  const liveGrowth = held.live - base.live;
  return {
    rssMiB: { baseline: round(base.rss / MiB), peak: round(peak.peakRss / MiB), growth: round(growth / MiB) },
    peakAtSec: peak.peakAtSec,
    liveMiB: {
      baseline: round(base.live / MiB),
      held: round(held.live / MiB),
      growth: round(liveGrowth / MiB),
      heapGrowth: round((held.heapUsed - base.heapUsed) / MiB),
      externalGrowth: round((held.external - base.external) / MiB),
    },
    ...(connections > 0 && {
      perConnectionKiB: {
        live: round(liveGrowth / connections / KiB),
        rss: round(growth / connections / KiB),
      },
    }),
  };
}

/** A CONNECT packet of exactly `bytes` with a junk token: what a stranger may send before auth. */
function junkConnect(bytes) {
  const head = '40{"token":"';
  const tail = '"}';
  const junk = randomBytes(bytes)
    .toString('base64url')
    .slice(0, bytes - head.length - tail.length);
  const text = `${head}${junk}${tail}`;
  if (Buffer.byteLength(text) !== bytes) throw new Error('junk CONNECT of the wrong size');
  return Buffer.from(text);
}

/**
 * A raw engine.io WebSocket, resolved once it has received its open packet (or has closed).
 * Records when the server answered a CONNECT (CONNECT_ERROR "44…") and how and when it closed.
 */
function openRaw(wsUrl, timeoutMs) {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: true });
    const conn = { ws, openedAt: 0, sentAt: 0, answeredAt: 0, closedAt: 0, code: null, closedByUs: false };
    conn.closed = new Promise((done) =>
      ws.once('close', (code) => {
        conn.code = code;
        conn.closedAt = now();
        done();
        resolve(conn);
      }),
    );
    const timer = setTimeout(() => ws.terminate(), timeoutMs);
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const text = String(data);
      if (!conn.openedAt && text.startsWith('0')) {
        conn.openedAt = now();
        clearTimeout(timer);
        resolve(conn);
      } else if (text === '2') {
        // engine.io's ping, answered as a client does: the connection outlives the heartbeat.
        ws.send('3');
      } else if (text.startsWith('44')) conn.answeredAt = now();
    });
  });
}

/** Parts 2 and 3: `count` strangers each send `message` (compressed) right after the open packet. */
async function anonymous(
  stack,
  probe,
  { count, message, warmup, holdMs, untilAnswered = false, perConnection = true },
) {
  const wsUrl = `${stack.socket.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
  let open = 0;
  const play = async (n) => {
    const conns = await Promise.all(
      Array.from({ length: n }, () =>
        openRaw(wsUrl, 10_000).then((conn) => {
          if (!conn.openedAt) return conn;
          open++;
          conn.closed.then(() => open--);
          // Sent (compressed, by the client) when the callback runs.
          conn.ws.send(message, { binary: false, compress: true }, () => (conn.sentAt = now()));
          return conn;
        }),
      ),
    );
    return conns.filter((c) => c.openedAt);
  };
  // Warm-up: the same kind of connection, closed by us.
  const warm = await play(warmup);
  await sleep(500);
  for (const c of warm) c.ws.terminate();
  await Promise.all(warm.map((c) => c.closed));
  const base = await probe.baseline();

  const sampler = probe.sample();
  const started = now();
  const conns = await play(count);
  const opened = now();
  // What the open connections hold once the server has read their message (answered or closed).
  const settled = (c) => c.closedAt || c.answeredAt;
  while (now() - opened < holdMs && !conns.every(settled)) await sleep(20);
  const openAtLive = open;
  const held = await probe.live();
  while (now() - opened < holdMs && !conns.every((c) => c.closedAt || (untilAnswered && c.answeredAt)))
    await sleep(50);
  if (untilAnswered) await sleep(2000);
  const peak = sampler.stop();
  for (const c of conns)
    if (!c.closedAt) {
      c.closedByUs = true;
      c.ws.terminate();
    }
  await Promise.all(conns.map((c) => c.closed));

  const byServer = conns.filter((c) => !c.closedByUs);
  const closeCodes = {};
  for (const c of byServer) closeCodes[c.code] = (closeCodes[c.code] ?? 0) + 1;
  const spread = (values) => {
    const sorted = values.sort((a, b) => a - b);
    if (!sorted.length) return null;
    return {
      p50: round(sorted[Math.floor(sorted.length / 2)] / 1000, 2),
      max: round(sorted.at(-1) / 1000, 2),
    };
  };
  const answered = conns.filter((c) => c.answeredAt);
  return {
    connections: conns.length,
    openWhenMeasured: openAtLive,
    ...memoryRow(base, peak, held, perConnection ? openAtLive : 0),
    closedByServer: byServer.length,
    closeCodes,
    // From the open packet, and from the moment the client had written its message.
    closedAfterSec: spread(byServer.map((c) => c.closedAt - c.openedAt)),
    closedAfterSendSec: spread(byServer.filter((c) => c.sentAt).map((c) => c.closedAt - c.sentAt)),
    answeredConnectError: answered.length,
    lastAnswerSec: answered.length
      ? round((Math.max(...answered.map((c) => c.answeredAt)) - started) / 1000, 2)
      : null,
    openedInSec: round((opened - started) / 1000, 2),
  };
}

/** A socket.io client connected with `token`, in `roomId`; rejects if either fails. */
async function member(url, { token, roomId }, options = {}) {
  const socket = io(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...options,
  });
  try {
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const ack = await socket.timeout(10_000).emitWithAck('room:join', { roomId });
    if (!ack.ok) throw new Error(`join: ${JSON.stringify(ack)}`);
    return socket;
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** Part 4: `count` connected members, each in a room of its own, doing nothing. */
async function authenticatedIdle(stack, probe, { count, warmup }) {
  const users = await usersInRooms(stack.api, count + warmup, 1);
  const warm = await Promise.all(users.slice(0, warmup).map((u) => member(stack.socket, u)));
  await sleep(500);
  for (const s of warm) s.close();
  const base = await probe.baseline(2000);
  const sampler = probe.sample();
  const started = now();
  const results = await Promise.allSettled(users.slice(warmup).map((u) => member(stack.socket, u)));
  const sockets = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const joinedInSec = round((now() - started) / 1000, 2);
  // Held idle for 3 s (the steady state, engine.io's heartbeat on), then measured.
  await sleep(3000);
  const held = await probe.live();
  const peak = sampler.stop();
  const gauge = await probe.gauge('chat_socket_connections');
  for (const s of sockets) s.close();
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
  return {
    connections: count,
    joined: sockets.length,
    connectedGauge: gauge,
    ...memoryRow(base, peak, held, sockets.length),
    joinedInSec,
    ...(failures.length && { failures: [...new Set(failures)].slice(0, 3) }),
  };
}

/**
 * Part 5: a reader that stops reading (its TCP socket paused) and a writer sending into their
 * room as fast as acks come (`inFlight` at a time), until `messages` are acked or `maxSeconds`,
 * and then until the reader is dropped or `maxSeconds` have passed. Live memory is measured
 * every second (a full GC each time), the connection gauge every 200 ms.
 */
async function slowReader(stack, probe, { messages, contentChars, inFlight, maxSeconds, pause = true }) {
  const [readerUser, writerUser] = await usersInRooms(stack.api, 2, 2);
  // Neither negotiates compression: the server then holds each delivery for the reader whole
  // (4 KB, where deflate would make random base64 ~3 KB), the worse case, and neither process
  // spends ~1 ms per message in zlib, which on this machine made a reading reader fall behind.
  const reader = await member(stack.socket, readerUser, { perMessageDeflate: false });
  const writer = await member(stack.socket, writerUser, { perMessageDeflate: false });
  const roomId = writerUser.roomId;
  // Random base64, which would hardly compress anyway.
  const contents = Array.from({ length: 64 }, () => randomBytes((contentChars * 3) / 4).toString('base64'));
  let seq = 0;
  const send = () =>
    writer.timeout(10_000).emitWithAck('chat:send', {
      roomId,
      clientMsgId: `s${seq}`,
      content: contents[seq++ % contents.length],
    });
  // Warm-up with the reader reading: 200 messages, then the idle baseline.
  for (let i = 0; i < 200; i += inFlight) await Promise.all(Array.from({ length: inFlight }, send));
  const base = await probe.baseline();
  if (pause) reader.io.engine.transport.ws._socket.pause();

  const sampler = probe.sample();
  const started = now();
  const deadline = started + maxSeconds * 1000;
  let acked = 0;
  let failed = 0;
  let droppedAt = null;
  let ackedAtDrop = null;
  let maxLive = { live: 0, heapUsed: 0, external: 0 };
  let liveAtDrop = null;
  let sendSec = null;
  const watch = (async () => {
    let tick = 0;
    // While the sends last, and then until the reader is dropped (the control: while they last).
    while (now() < deadline && (sendSec === null || (pause && droppedAt === null))) {
      await sleep(200);
      if (++tick % 5 === 0) {
        const held = await probe.live().catch(() => null);
        if (held && held.live > maxLive.live) maxLive = held;
      }
      if (droppedAt !== null) continue;
      const connections = await probe.gauge('chat_socket_connections').catch(() => null);
      if (connections !== null && connections < 2) {
        droppedAt = now() - started;
        ackedAtDrop = acked;
        liveAtDrop = await probe.live().catch(() => null);
      }
    }
  })();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < messages && now() < deadline) {
        next++;
        const ack = await send().catch((error) => ({ ok: false, error }));
        if (ack.ok) acked++;
        else failed++;
      }
    }),
  );
  sendSec = (now() - started) / 1000;
  const liveAfterSends = await probe.live();
  if (liveAfterSends.live > maxLive.live) maxLive = liveAfterSends;
  await watch;
  const peak = sampler.stop();
  reader.close();
  writer.close();
  return {
    connections: 1,
    ...memoryRow(base, peak, maxLive, 0),
    liveAtDropMiB: liveAtDrop ? round((liveAtDrop.live - base.live) / MiB) : null,
    sent: acked,
    failed,
    sentMB: round((acked * contentChars) / 1e6),
    sendSec: round(sendSec, 2),
    droppedWhileSending: droppedAt !== null && droppedAt / 1000 < sendSec,
    droppedAfterSec: droppedAt === null ? null : round(droppedAt / 1000, 2),
    sentBeforeDropMB: ackedAtDrop === null ? null : round((ackedAtDrop * contentChars) / 1e6, 1),
  };
}
