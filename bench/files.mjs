// Upload throughput and memory: 20 concurrent 10 MiB uploads, then 100 × 1 MiB (10 at a time),
// through socket.io → gRPC → disk. Reports MB/s and the peak RSS (VmHWM) of the file and socket
// apps, reset after a warm-up.   npm run bench:files
// Targets 127.0.0.1 only; bounded by the upload counts. Uses Redis database 14 and MongoDB
// database chat_bench, emptied before and after.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { ROOT_DIR } from '../scripts/paths.mjs';
import { benchEnvironment, benchUser, freePort, post, startApp, stopChild } from './support.mjs';

const MiB = 1024 * 1024;
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
};
const children = {};
async function start(name) {
  const { url, child } = await startApp(name, env, ports[name]);
  children[name] = child;
  return url;
}
const peakRss = (name) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${children[name].pid}/status`, 'utf8'))[1]) / 1024;
const resetPeak = (name) => writeFileSync(`/proc/${children[name].pid}/clear_refs`, '5');

async function uploads(sockets, roomId, count, size, concurrency) {
  const data = payload(size);
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      const socket = sockets[lane % sockets.length];
      while (next < count) {
        const i = next++;
        const ack = await socket.timeout(120_000).emitWithAck('chat:send', {
          roomId,
          clientMsgId: `f${size}-${i}`,
          file: { name: `f${i}.png`, data },
        });
        if (!ack.ok) failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    uploads: count,
    sizeMiB: size / MiB,
    concurrency,
    failed,
    seconds: +seconds.toFixed(2),
    MBps: +((count * size) / 1e6 / seconds).toFixed(1),
  };
}

const results = { when: new Date().toISOString(), scenarios: [] };
try {
  const api = await start('api');
  await start('file');
  const socketUrl = await start('socket');
  const accessToken = await benchUser(api, 'files');
  const room = await post(api, '/rooms', { name: 'files' }, accessToken);
  const sockets = await Promise.all(
    Array.from(
      { length: 20 },
      () =>
        new Promise((resolve, reject) => {
          const s = io(socketUrl, { auth: { token: accessToken }, transports: ['websocket'] });
          s.once('connect', () => resolve(s));
          s.once('connect_error', reject);
        }),
    ),
  );

  await uploads(sockets, room.id, 4, MiB, 4); // warm-up
  for (const name of ['file', 'socket']) resetPeak(name);
  const base = { file: peakRss('file'), socket: peakRss('socket') };
  const big = await uploads(sockets, room.id, 20, 10 * MiB, 20);
  big.peakRssMiB = { file: +peakRss('file').toFixed(0), socket: +peakRss('socket').toFixed(0) };
  big.rssBeforeMiB = { file: +base.file.toFixed(0), socket: +base.socket.toFixed(0) };
  console.log(big);
  results.scenarios.push(big);

  for (const name of ['file', 'socket']) resetPeak(name);
  const small = await uploads(sockets, room.id, 100, MiB, 10);
  small.peakRssMiB = { file: +peakRss('file').toFixed(0), socket: +peakRss('socket').toFixed(0) };
  console.log(small);
  results.scenarios.push(small);
  for (const s of sockets) s.close();

  console.table(
    results.scenarios.map(({ peakRssMiB, rssBeforeMiB, ...rest }) => ({
      ...rest,
      filePeakMiB: peakRssMiB.file,
      socketPeakMiB: peakRssMiB.socket,
    })),
  );
  mkdirSync(join(ROOT_DIR, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT_DIR, 'bench', 'results', 'files.json'), JSON.stringify(results, null, 2));
} finally {
  await Promise.all(Object.values(children).map(stopChild));
  rmSync(storage, { recursive: true, force: true });
  await bench.close();
}
