// Upload throughput and memory: 20 concurrent 10 MiB uploads, then 100 × 1 MiB (10 at a time),
// through socket.io → gRPC → disk. Reports MB/s and the peak RSS (VmHWM) of the file and socket
// apps, reset after a warm-up, and the socket app's rise over its RSS before the load. The
// 20 × 10 MiB round runs twice: first on a process fresh from start-up, then again.
//   npm run bench:files
// Files over 64 KiB go as a client sends them (libs/client ChatClient.upload()): file:begin, then
// file:chunk ×N with at most 3 unacknowledged, then chat:send {uploadId}; smaller ones inline.
// Each of 20 users has one connection (a user may have MAX_UPLOADS_PER_USER uploads open).
// BENCH_FILES_INLINE=1 sends every file inline in chat:send, as before chunked uploads (90d48c8):
// with BENCH_APPS_ROOT=<a checkout of that code, built> it measures the code before.
// Targets 127.0.0.1 only; bounded by the upload counts. Uses Redis database 14 and MongoDB
// database chat_bench, emptied before and after.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { ROOT_DIR } from '../scripts/paths.mjs';
import { appsBuild, benchEnvironment, benchUser, freePort, post, startApp, stopChild } from './support.mjs';

const MiB = 1024 * 1024;
/** As the SDK: files up to this size go inside the chat:send, larger ones in chunks. */
const INLINE_FILE_BYTES = 64 * 1024;
/** As the SDK: chunks sent ahead of their acks. */
const CHUNK_WINDOW = 3;
const ACK_TIMEOUT_MS = 120_000;
const USERS = 20;
const INLINE = process.env.BENCH_FILES_INLINE === '1';
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const payload = (size) => Buffer.concat([PNG_1X1, randomBytes(size - PNG_1X1.length)]);

const { io } = await import('socket.io-client');
const bench = await benchEnvironment();
const storage = mkdtempSync(join(tmpdir(), 'bench-files-'));

const ports = {
  api: await freePort(),
  socket: await freePort(),
  file: await freePort(),
  grpc: await freePort(),
};
const env = {
  REDIS_URL: bench.redisUrl,
  MONGO_URL: bench.mongoUrl,
  API_PORT: String(ports.api),
  SOCKET_PORT: String(ports.socket),
  FILE_HTTP_PORT: String(ports.file),
  FILE_GRPC_PORT: String(ports.grpc),
  FILE_GRPC_URL: `127.0.0.1:${ports.grpc}`,
  FILE_PUBLIC_URL: `http://127.0.0.1:${ports.file}`,
  FILE_STORAGE_DIR: storage,
  // The api's sign-up throttles only: 20 bench users register and log in from 127.0.0.1.
  AUTH_RATE_LIMIT_PER_IP: '0',
  AUTH_RATE_LIMIT_PER_USERNAME: '0',
  REGISTER_RATE_LIMIT_PER_IP_PER_HOUR: '0',
};
const children = {};
async function start(name) {
  const { url, child } = await startApp(name, env, ports[name]);
  children[name] = child;
  return url;
}
const status = (name) => readFileSync(`/proc/${children[name].pid}/status`, 'utf8');
const peakRss = (name) => Number(/VmHWM:\s+(\d+) kB/.exec(status(name))[1]) / 1024;
const resetPeak = (name) => writeFileSync(`/proc/${children[name].pid}/clear_refs`, '5');
/** CPU seconds (user + system) the app has used so far. */
const cpuSec = (name) => {
  const fields = readFileSync(`/proc/${children[name].pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

// Uncompressed, as the SDK sends file bytes.
const emit = (socket, event, body) => socket.compress(false).timeout(ACK_TIMEOUT_MS).emitWithAck(event, body);

/** One file, as the SDK sends it; resolves with the chat:send ack or the first refusal. */
async function sendFile(socket, roomId, clientMsgId, name, data) {
  // A connection the server closed fails its lane's remaining uploads at once (no reconnection).
  if (socket.disconnected) throw new Error('socket has been disconnected');
  if (INLINE || data.byteLength <= INLINE_FILE_BYTES)
    return emit(socket, 'chat:send', { roomId, clientMsgId, file: { name, data } });
  const begun = await emit(socket, 'file:begin', { roomId, name, size: data.byteLength });
  if (!begun.ok) return begun;
  const { uploadId, chunkSize } = begun;
  let refused;
  const inFlight = new Set();
  for (let offset = begun.received; offset < data.byteLength && !refused;) {
    const end = Math.min(data.byteLength, offset + chunkSize);
    const sending = emit(socket, 'file:chunk', { uploadId, offset, data: data.subarray(offset, end) }).then(
      (ack) => {
        if (!ack.ok) refused ??= ack;
      },
    );
    const tracked = sending.finally(() => inFlight.delete(tracked));
    tracked.catch(() => undefined); // seen by the race or the final wait
    inFlight.add(tracked);
    offset = end;
    if (inFlight.size >= CHUNK_WINDOW) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return refused ?? emit(socket, 'chat:send', { roomId, clientMsgId, uploadId });
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function uploads(sockets, roomId, count, size, concurrency) {
  const data = payload(size);
  let next = 0;
  let failed = 0;
  const errors = {};
  const durations = [];
  const cpu = { socket: cpuSec('socket'), file: cpuSec('file') };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      const socket = sockets[lane % sockets.length];
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        try {
          const ack = await sendFile(socket, roomId, `f${size}-${i}`, `f${i}.png`, data);
          if (!ack.ok) {
            failed++;
            errors[ack.error.code] = (errors[ack.error.code] ?? 0) + 1;
          }
        } catch (error) {
          failed++;
          errors[error.message] = (errors[error.message] ?? 0) + 1;
        }
        durations.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  durations.sort((a, b) => a - b);
  return {
    uploads: count,
    sizeMiB: size / MiB,
    concurrency,
    failed,
    ...(failed && { errors }),
    seconds: +seconds.toFixed(2),
    MBps: +((count * size) / 1e6 / seconds).toFixed(1),
    uploadSec: {
      p50: +(percentile(durations, 50) / 1000).toFixed(2),
      max: +(durations.at(-1) / 1000).toFixed(2),
    },
    cpuSec: {
      socket: +(cpuSec('socket') - cpu.socket).toFixed(1),
      file: +(cpuSec('file') - cpu.file).toFixed(1),
    },
  };
}

/** Runs one scenario between a reset of the peaks and their reading. */
async function measured(run) {
  for (const name of ['file', 'socket']) resetPeak(name);
  const before = { file: peakRss('file'), socket: peakRss('socket') };
  const result = await run();
  const peak = { file: peakRss('file'), socket: peakRss('socket') };
  result.peakRssMiB = { file: +peak.file.toFixed(0), socket: +peak.socket.toFixed(0) };
  result.rssBeforeMiB = { file: +before.file.toFixed(0), socket: +before.socket.toFixed(0) };
  const rise = (name) => Math.round(Math.max(0, peak[name] - before[name]));
  result.riseMiB = { file: rise('file'), socket: rise('socket') };
  return result;
}

const results = {
  when: new Date().toISOString(),
  mode: INLINE ? 'inline' : 'chunked',
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  apps: appsBuild(),
  scenarios: [],
};
try {
  const api = await start('api');
  await start('file');
  const socketUrl = await start('socket');
  const tokens = [];
  for (let i = 0; i < USERS; i++) tokens.push(await benchUser(api, `files${i}-`));
  const room = await post(api, '/rooms', { name: 'files' }, tokens[0]);
  for (const token of tokens.slice(1)) {
    const res = await fetch(`${api}/rooms/${room.id}/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`joining the room answered ${res.status}`);
  }
  const disconnects = {};
  const sockets = await Promise.all(
    tokens.map(
      (token) =>
        new Promise((resolve, reject) => {
          const s = io(socketUrl, { auth: { token }, transports: ['websocket'], reconnection: false });
          s.once('connect', () => resolve(s));
          s.once('connect_error', reject);
          s.on('disconnect', (reason) => {
            if (reason !== 'io client disconnect') disconnects[reason] = (disconnects[reason] ?? 0) + 1;
          });
        }),
    ),
  );

  await uploads(sockets, room.id, 4, MiB, 4); // warm-up
  // Twice: the first round also grows V8's young generation to its working size (the socket
  // app's --max-semi-space-size, scripts/paths.mjs), as any load does once; the second shows
  // what uploads hold once it has.
  for (const round of ['first', 'second']) {
    const big = await measured(() => uploads(sockets, room.id, 20, 10 * MiB, 20));
    big.round = round;
    console.log(big);
    results.scenarios.push(big);
  }

  const small = await measured(() => uploads(sockets, room.id, 100, MiB, 10));
  console.log(small);
  results.scenarios.push(small);
  for (const s of sockets) s.close();
  if (Object.keys(disconnects).length) results.disconnects = disconnects;

  console.table(
    results.scenarios.map(
      ({ peakRssMiB, rssBeforeMiB, riseMiB, uploadSec, cpuSec: cpu, errors, ...rest }) => ({
        ...rest,
        filePeakMiB: peakRssMiB.file,
        socketPeakMiB: peakRssMiB.socket,
        socketRiseMiB: riseMiB.socket,
        socketCpuSec: cpu.socket,
      }),
    ),
  );
  if (results.disconnects) console.log('disconnected by the server:', results.disconnects);
  mkdirSync(join(ROOT_DIR, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT_DIR, 'bench', 'results', 'files.json'), JSON.stringify(results, null, 2));
} finally {
  await Promise.all(Object.values(children).map(stopChild));
  rmSync(storage, { recursive: true, force: true });
  await bench.close();
}
