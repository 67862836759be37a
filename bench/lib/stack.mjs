// Starts what a scenario measures: the four chat apps from dist/ (or one of the peers) on the
// benchmark's own Redis database and MongoDB database, and the users and rooms it needs.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { ObjectId } from 'mongodb';
import { PORT_VARS, spawnApp } from '../../scripts/harness.mjs';
import { ROOT_DIR } from '../../scripts/paths.mjs';
import { freePort, post, startApp, stopChild } from '../support.mjs';
import { waitForDrain } from './drain.mjs';
import { timelineArgs } from './timeline.mjs';

/** The guards a run states next to its figures (issue: limits stay configurable). */
export const BENCH_SETTINGS = {
  RATE_LIMIT_PER_SEC: '0', // off: one user per connection sends as fast as acks come
  // off: thousands of bench users register and log in from 127.0.0.1
  AUTH_RATE_LIMIT_PER_IP: '0',
  AUTH_RATE_LIMIT_PER_USERNAME: '0',
  AUTH_RATE_LIMIT_PER_USERNAME_ALL: '0',
  REGISTER_RATE_LIMIT_PER_IP_PER_HOUR: '0',
  WORKER_INTERVAL_MS: '50',
  WORKER_BATCH_SIZE: '1000',
  LOG_LEVEL: 'warn',
};

const JWT_SECRET = randomBytes(32).toString('hex');
const FILE_LINK_SECRET = randomBytes(32).toString('hex');
const INTERNAL_SERVICE_SECRET = randomBytes(32).toString('hex');

/**
 * BENCH_PROFILE=1: every app and load process writes a V8 CPU profile to .data/profiles when it
 * stops; `name` names the file (the apps keep V8's CPU.<date>.<pid>… names).
 */
export function profileArgs(name) {
  if (!process.env.BENCH_PROFILE) return [];
  const dir = join(ROOT_DIR, '.data', 'profiles');
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(name ? [`--cpu-prof-name=${name}.cpuprofile`] : [])];
}

/**
 * The chat stack on the bench databases; `apps` picks which of the four to run, `nodeArgs` adds
 * Node flags to one app's process (e.g. { socket: ['--inspect=127.0.0.1:9230'] }).
 */
export async function startChatStack(
  bench,
  { apps = ['api', 'socket', 'worker'], env = {}, nodeArgs: appArgs = {} } = {},
) {
  const grpcPort = await freePort();
  const base = {
    REDIS_URL: bench.redisUrl,
    MONGO_URL: bench.mongoUrl,
    JWT_SECRET,
    FILE_LINK_SECRET,
    INTERNAL_SERVICE_SECRET,
    FILE_GRPC_PORT: String(grpcPort),
    FILE_GRPC_URL: `127.0.0.1:${grpcPort}`,
    DATA_DIR: join(ROOT_DIR, '.data', 'bench'),
    ...BENCH_SETTINGS,
    ...env,
  };
  const nodeArgs = [...profileArgs(), ...timelineArgs()];
  // The file app first: the socket app's readiness includes it.
  const order = [...apps].sort((a, b) => (a === 'file' ? -1 : b === 'file' ? 1 : 0));
  const running = {};
  const start = async (app) => {
    const port = await freePort();
    running[app] = await startApp(app, { ...base, [PORT_VARS[app]]: String(port) }, port, [
      ...nodeArgs,
      ...(appArgs[app] ?? []),
    ]);
    return running[app];
  };
  try {
    for (const app of order) await start(app);
  } catch (error) {
    // One app failed to start: stop those already running, or they outlive the bench.
    await Promise.all(Object.values(running).map(({ child }) => stopChild(child)));
    throw error;
  }
  return {
    /** Starts one more app (e.g. the worker after a load), resolves with its url. */
    async startApp(app) {
      return (await start(app)).url;
    },
    get pids() {
      return Object.fromEntries(Object.entries(running).map(([app, { child }]) => [app, child.pid]));
    },
    ...Object.fromEntries(Object.entries(running).map(([app, { url }]) => [app, url])),
    async stopApp(app) {
      await stopChild(running[app].child);
      delete running[app];
    },
    async stop() {
      await Promise.all(Object.values(running).map(({ child }) => stopChild(child)));
    },
  };
}

/**
 * Runs `load(stack)` on the api and socket apps, then waits until the worker has put every acked
 * message into MongoDB. The worker starts after the load, as when it and the database run on
 * other hosts (on two shared cores FerretDB's inserts take the CPU the socket app and the load
 * generator need), or with it when `concurrentDrain`. Resolves with the load's result plus
 * `persisted` (not counting the load's `warmup` messages) and `drainWaitSec`.
 */
export async function loadThenDrain(bench, { concurrentDrain = false, drainTimeoutMs }, load) {
  const stack = await startChatStack(bench, {
    apps: ['api', 'socket', ...(concurrentDrain ? ['worker'] : [])],
  });
  try {
    const result = await load(stack);
    if (!concurrentDrain) await stack.startApp('worker');
    // A warm-up's messages are stored too: wait for them as well, report the measured ones.
    const warm = result.warmup?.acked ?? 0;
    const drained = await waitForDrain(bench, result.acked + warm, drainTimeoutMs);
    return Object.assign(result, drained, { persisted: drained.persisted - warm });
  } finally {
    await stack.stop();
  }
}

/**
 * What a scenario drives: the chat stack (`apps`, api and socket at least) or a peer (`bare`, …),
 * with `count` users in rooms of `roomSize` on it. Resolves with { url, users, pids, stop }.
 */
export async function startTarget(bench, target, { count, roomSize, apps }) {
  if (target === 'chat') {
    const stack = await startChatStack(bench, apps && { apps });
    const users = await usersInRooms(stack.api, count, roomSize);
    return { url: stack.socket, users, pids: stack.pids, stop: () => stack.stop() };
  }
  const peer = await startPeer(bench, target);
  // A peer checks no token; its rooms are named by index.
  const users = Array.from({ length: count }, (_, i) => ({
    token: 'peer',
    roomId: `peer-room-${Math.floor(i / roomSize)}`,
  }));
  return { url: peer.url, users, pids: { server: peer.pid }, stop: peer.stop };
}

/** A peer server (bench/peers/server.mjs) on the bench databases. */
export async function startPeer(bench, peer) {
  const server = await spawnApp(`peer ${peer}`, {
    entry: join(ROOT_DIR, 'bench', 'peers', 'server.mjs'),
    nodeArgs: timelineArgs(),
    env: { PEER: peer, REDIS_URL: bench.redisUrl, MONGO_URL: bench.mongoUrl },
    timeoutMs: 10_000,
  });
  return { url: server.url, pid: server.child.pid, stop: () => server.stop() };
}

/**
 * `count` users in rooms of `roomSize`: access tokens signed with the stack's secret (hashing
 * thousands of passwords would only measure argon2), rooms created and joined over the REST API.
 * Returns [{ token, roomId }].
 */
export async function usersInRooms(apiUrl, count, roomSize) {
  const jwt = new JwtService({ secret: JWT_SECRET, signOptions: { algorithm: 'HS256' } });
  const users = Array.from({ length: count }, (_, i) => {
    const id = new ObjectId().toHexString();
    return { id, token: jwt.sign({ sub: id, name: `bench${i}`, typ: 'access' }, { expiresIn: 3600 }) };
  });
  const rooms = [];
  for (let i = 0; i < count; i += roomSize) rooms.push(users.slice(i, i + roomSize));
  const out = [];
  await pool(rooms, 8, async (members, r) => {
    const room = await post(apiUrl, '/rooms', { name: `bench room ${r}` }, members[0].token);
    if (!room.id) throw new Error(`room not created: ${JSON.stringify(room)}`);
    for (const member of members.slice(1)) {
      const res = await fetch(`${apiUrl}/rooms/${room.id}/members`, {
        method: 'POST',
        headers: { authorization: `Bearer ${member.token}` },
      });
      if (res.status !== 204) throw new Error(`join failed: ${res.status}`);
    }
    for (const member of members) out.push({ token: member.token, roomId: room.id });
  });
  return out;
}

/** Runs `task` over `items` with at most `width` at a time. */
export async function pool(items, width, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i], i);
      }
    }),
  );
}
