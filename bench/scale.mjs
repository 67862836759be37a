// Scale: what a request costs with a large database behind it. Seeds one private database with
// BENCH_SCALE_MESSAGES messages in BENCH_SCALE_ROOMS rooms and BENCH_SCALE_USERS users
// (bench/lib/scale-fixture.mjs, through libs/database's own write paths), another with only what
// the requests touch, and measures against each at BENCH_CONCURRENCY: history (first page and an
// older one), GET /rooms for a person in 100 rooms, login, and room:join with a cold membership
// cache; each database-bound request also as the raw driver's reads of the same keys (the
// database's ceiling). Also argon2's verify alone, which bounds a login.
//   npm run bench -- scale [--quick]
// Targets 127.0.0.1 only, on Redis database 14 and MongoDB databases chat_scale_*_bench, dropped
// before and after. Bounded: each phase stops at BENCH_REQUESTS requests or BENCH_BUDGET_SEC;
// a request slower than the budget (a scan of a large collection) is measured once, alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { verify } from '@node-rs/argon2';
import { MongoClient, ObjectId } from 'mongodb';
import { io } from 'socket.io-client';
import { ROOT_DIR } from '../scripts/paths.mjs';
import { startChatStack } from './lib/stack.mjs';
import { scalePlan, seedScale } from './lib/scale-fixture.mjs';
import { APPS_ROOT, benchEnvironment, post } from './support.mjs';

const env = (name, fallback) => Number(process.env[name] || fallback);
const SIZE = {
  users: env('BENCH_SCALE_USERS', 100_000),
  rooms: env('BENCH_SCALE_ROOMS', 10_000),
  messages: env('BENCH_SCALE_MESSAGES', 1_000_000),
};
const REQUESTS = env('BENCH_REQUESTS', 5000);
const LOGINS = env('BENCH_LOGINS', 1000);
const CONCURRENCY = env('BENCH_CONCURRENCY', 50);
const BUDGET_MS = env('BENCH_BUDGET_SEC', 20) * 1000;
const JOINS_PER_JOINER = env('BENCH_JOINS_PER_JOINER', 100);
const READER_ROOMS = 100;
const PAGE = 50;
const PASSWORD = 'scale-password';
/** Logins one after another: the service time of one login, without queueing. */
const SERIAL_LOGINS = 30;
/** Joins and leaves are a user's own bursts here, not abuse: the guard is off (stated). */
const STACK_ENV = { JOIN_RATE_LIMIT_PER_SEC: '0' };

const log = (line) => console.log(`[scale] ${line}`);
const round = (n) => Math.round(n * 100) / 100;
const pick = (list) => list[Math.floor(Math.random() * list.length)];

const bench = await benchEnvironment();
const dist = (app, lib, file) => pathToFileURL(join(APPS_ROOT, 'dist', app, 'libs', lib, 'src', file)).href;
const { messageKey, pageOf } = await import(dist('api', 'database', 'index.js'));
const { envSchema } = await import(dist('api', 'config', 'config.schema.js'));
const hashConcurrency = envSchema.shape.PASSWORD_HASH_CONCURRENCY.parse(
  process.env.PASSWORD_HASH_CONCURRENCY,
);

function databaseUrl(name) {
  const url = new URL(bench.mongoUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** p50/p99/max in ms of `latencies`, and the rate over `seconds`. */
function summary(latencies, seconds, errors, extra) {
  latencies.sort((a, b) => a - b);
  const q = (p) => round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN);
  return {
    requests: latencies.length,
    errors,
    reqPerSec: Math.round(latencies.length / seconds),
    p50: q(0.5),
    p99: q(0.99),
    max: round(latencies.at(-1) ?? NaN),
    ...extra,
  };
}

/**
 * `requests` calls of `once(i)` (true when the answer was right), `concurrency` at a time,
 * within BUDGET_MS. A few calls one at a time first (warm-up, not counted but kept as
 * `aloneP50`) tell what one costs: when `concurrency` of them would take longer than the budget
 * (a request that scans), fewer run at once, so the phase ends within about twice its budget; the
 * row says how many. One slower than the whole budget is measured only alone.
 */
async function phase(label, once, { requests = REQUESTS, concurrency = CONCURRENCY, warmups = 5 } = {}) {
  const cores = cpus().length;
  const probe = [];
  let probeErrors = 0;
  const probeStart = performance.now();
  let next = 0;
  while (next < warmups && (probe.length === 0 || performance.now() - probeStart < 2000)) {
    const t = performance.now();
    if ((await once(next++).catch(() => false)) !== true) probeErrors++;
    probe.push(performance.now() - t);
  }
  const one = [...probe].sort((a, b) => a - b)[Math.floor(probe.length / 2)];
  if (one > BUDGET_MS) {
    // Slower than the whole budget: its warm-up is all that is measured.
    const seconds = probe.reduce((a, b) => a + b, 0) / 1000;
    const row = summary(probe, seconds, probeErrors, { label, concurrency: 1, aloneP50: round(one) });
    log(`${label}: one request ${round(one)} ms, over the ${BUDGET_MS / 1000} s budget: measured alone`);
    return row;
  }
  const width = Math.max(1, Math.min(concurrency, Math.floor((BUDGET_MS * cores) / one)));
  const latencies = [];
  const failures = {};
  let errors = 0;
  const started = performance.now();
  const deadline = started + BUDGET_MS;
  const stopAt = next + requests;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < stopAt && performance.now() < deadline) {
        const i = next++;
        const t = performance.now();
        const outcome = await once(i).catch((error) => error.name ?? 'error');
        latencies.push(performance.now() - t);
        if (outcome !== true) {
          errors++;
          const why = typeof outcome === 'string' ? outcome : 'wrong answer';
          failures[why] = (failures[why] ?? 0) + 1;
        }
      }
    }),
  );
  const row = summary(latencies, (performance.now() - started) / 1000, errors, {
    label,
    concurrency: width,
    aloneP50: round(one),
    ...(errors && { failures }),
  });
  log(`${label}: ${JSON.stringify(row)}`);
  return row;
}

/**
 * Per request: a stuck answer becomes an error, and the bench still ends. Generous, so that a
 * request that scans a large collection (a minute on FerretDB/SQLite) is measured, not cut.
 */
const REQUEST_TIMEOUT_MS = Math.max(3 * BUDGET_MS, 300_000);
/**
 * The load's HTTP client: node:http over kept-alive connections, one per request in flight. Not
 * fetch(): on these two shared cores fetch costs the load generator about four times the CPU per
 * request (measured against a bare node:http server: ~1,500 against ~5,500 requests/s), which it
 * would take from the server being measured.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(method, url, { token, body } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = {
    ...(token && { authorization: `Bearer ${token}` }),
    ...(payload && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
  };
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
        } catch (error) {
          reject(error);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(payload);
  });
}

const get = (url, token) => request('GET', url, { token });

async function login(api, username) {
  const { status, body } = await request('POST', `${api}/auth/login`, {
    body: { username, password: PASSWORD },
  });
  return status === 200 && typeof body?.accessToken === 'string' ? body.accessToken : null;
}

/** The hash the api itself makes of the bench password (its argon2 profile), and its verify time. */
async function templateHash() {
  const stack = await startChatStack(bench, { apps: ['api'] });
  try {
    await post(stack.api, '/auth/register', { username: 'scale-template', password: PASSWORD });
  } finally {
    await stack.stop();
  }
  const user = await bench.db.collection('users').findOne({ username: 'scale-template' });
  if (!user) throw new Error('the template user was not registered');
  const times = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    if (!(await verify(user.passwordHash, PASSWORD))) throw new Error('argon2 verify failed');
    times.push(performance.now() - t);
  }
  const params = /\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(user.passwordHash);
  return {
    passwordHash: user.passwordHash,
    argon2: {
      ...summary(times, times.reduce((a, b) => a + b, 0) / 1000, 0, { label: 'argon2 verify alone' }),
      memoryCost: Number(params?.[1]),
      timeCost: Number(params?.[2]),
      parallelism: Number(params?.[3]),
    },
  };
}

/** room:join over socket.io, each (joiner, room) pair once: no answer of the cache to reuse. */
async function joins(socketUrl, joiners) {
  const sockets = await Promise.all(
    joiners.map(async (joiner) => {
      const socket = io(socketUrl, {
        auth: { token: joiner.token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      return socket;
    }),
  );
  // Round by round, one room of each joiner: the 50 in flight are 50 connections.
  const tasks = [];
  const rounds = Math.max(...joiners.map((j) => j.rooms.length));
  for (let r = 0; r < rounds; r++)
    joiners.forEach(
      (joiner, k) => joiner.rooms[r] && tasks.push({ socket: sockets[k], roomId: joiner.rooms[r] }),
    );
  try {
    return await phase(
      'room:join, cold membership cache',
      async (i) => {
        const task = tasks[i];
        if (!task) return 'no pair left';
        const ack = await task.socket
          .timeout(REQUEST_TIMEOUT_MS)
          .emitWithAck('room:join', { roomId: task.roomId })
          .catch(() => ({ ok: false }));
        return ack.ok === true || ack.error?.code || 'TIMEOUT';
      },
      { requests: tasks.length - 1, warmups: 1 },
    );
  } finally {
    for (const socket of sockets) socket.close();
  }
}

/** Every measured request against one database: the api's, then the raw driver's. */
async function measure(stack, fixture, db) {
  const api = stack.api;
  const { reader } = fixture;
  reader.token = await login(api, 'scale-reader');
  for (const joiner of fixture.joiners) joiner.token = await login(api, joiner.username);
  if (!reader.token || fixture.joiners.some((j) => !j.token))
    throw new Error('the bench users cannot log in');
  // An older page: before a random message that has at least one page of newer ones.
  const olderCursor = () => {
    const roomId = pick(reader.rooms);
    const ids = reader.messageIds.get(roomId);
    const at = Math.floor(Math.random() * Math.max(1, ids.length - PAGE));
    return { roomId, before: ids[at], expected: Math.min(PAGE, at) };
  };
  const rows = {};
  rows.first = await phase('history first page', async () => {
    const { status, body } = await get(
      `${api}/rooms/${pick(reader.rooms)}/messages?limit=${PAGE}`,
      reader.token,
    );
    return status === 200 && body.items.length === PAGE;
  });
  rows.older = await phase('history older page', async () => {
    const { roomId, before, expected } = olderCursor();
    const { status, body } = await get(
      `${api}/rooms/${roomId}/messages?limit=${PAGE}&before=${before}`,
      reader.token,
    );
    return status === 200 && body.items.length === expected;
  });
  rows.rooms = await phase(`GET /rooms, a person in ${reader.rooms.length} rooms`, async () => {
    const { status, body } = await get(`${api}/rooms`, reader.token);
    return status === 200 && body.length === reader.rooms.length;
  });
  const usernames = fixture.loginUsernames;
  rows.login = await phase(
    'login',
    async (i) => (await login(api, usernames[i % usernames.length])) !== null,
    { requests: LOGINS },
  );
  rows.loginAlone = await phase(
    'login, one at a time (service time)',
    async (i) => (await login(api, usernames[(LOGINS + i) % usernames.length])) !== null,
    { requests: SERIAL_LOGINS, concurrency: 1 },
  );
  rows.join = await joins(stack.socket, fixture.joiners);

  // The database's ceiling: the same keys read by the raw driver, at the same concurrency.
  const messages = db.collection('messages');
  // History's keyed reads (see MessageReader): the pages holding the numbers wanted.
  const pages = db.collection('message_pages');
  const pagesBelow = async (roomId, upper) => {
    const keys = [];
    for (let page = pageOf(upper - 1); page >= pageOf(Math.max(1, upper - PAGE - 1)); page--)
      keys.push(`${roomId}:${page}`);
    const docs = await Promise.all(keys.map((_id) => pages.findOne({ _id })));
    return docs.reduce(
      (n, doc) => n + (doc ? Object.keys(doc.m).filter((s) => Number(s.split('_')[0]) < upper).length : 0),
      0,
    );
  };
  rows.rawFirst = await phase('raw driver: the first page (head, pages by key)', async () => {
    const roomId = pick(reader.rooms);
    const head = await db.collection('room_heads').findOne({ _id: roomId });
    return (await pagesBelow(roomId, head.seq + 1)) >= PAGE;
  });
  rows.rawOlder = await phase('raw driver: an older page (cursor, pages by key)', async () => {
    const { roomId, before, expected } = olderCursor();
    const doc = await messages.findOne({ _id: messageKey(roomId, before) }, { projection: { seq: 1 } });
    return (await pagesBelow(roomId, doc.seq)) >= Math.min(PAGE, expected);
  });
  rows.rawRooms = await phase("raw driver: the person's room list by key", async () =>
    Boolean(await db.collection('user_rooms').findOne({ _id: reader.id })),
  );
  rows.rawLogin = await phase("raw driver: login's reads (username key, user)", async (i) => {
    const key = await db.collection('usernames').findOne({ _id: usernames[i % usernames.length] });
    return Boolean(key && (await db.collection('users').findOne({ _id: new ObjectId(key.userId) })));
  });
  const pairs = fixture.joiners.flatMap((j) => j.rooms.map((roomId) => `${roomId}:${j.id}`));
  rows.rawJoin = await phase('raw driver: a membership by key', async (i) =>
    Boolean(await db.collection('memberships').findOne({ _id: pairs[i % pairs.length] })),
  );
  return rows;
}

const plan = scalePlan({
  ...SIZE,
  readerRooms: READER_ROOMS,
  joiners: CONCURRENCY,
  joinsPerJoiner: JOINS_PER_JOINER,
  logins: LOGINS + SERIAL_LOGINS,
});
const report = {
  when: new Date().toISOString(),
  database: bench.database,
  settings: {
    ...SIZE,
    CONCURRENCY,
    REQUESTS,
    LOGINS,
    BUDGET_SEC: BUDGET_MS / 1000,
    JOINS: CONCURRENCY * JOINS_PER_JOINER,
    PAGE,
    PASSWORD_HASH_CONCURRENCY: hashConcurrency,
    ...STACK_ENV,
  },
  seeding: {},
  databases: {},
};
try {
  const template = await templateHash();
  report.argon2 = template.argon2;
  log(`argon2 verify alone: p50 ${template.argon2.p50} ms, p99 ${template.argon2.p99} ms`);
  for (const [name, scope] of [
    ['seeded', 'all'],
    ['empty', 'own'],
  ]) {
    const mongoUrl = databaseUrl(`chat_scale_${name}_bench`);
    const client = await MongoClient.connect(mongoUrl);
    const db = client.db();
    await db.dropDatabase();
    await bench.redis.flushdb();
    let stack;
    try {
      log(`── ${name} database (${scope === 'all' ? 'the whole fixture' : 'only what the requests touch'})`);
      const fixture = await seedScale(mongoUrl, plan, { scope, passwordHash: template.passwordHash, log });
      report.seeding[name] = { seconds: fixture.seconds, counts: fixture.counts };
      stack = await startChatStack({ ...bench, mongoUrl }, { apps: ['api', 'socket'], env: STACK_ENV });
      report.databases[name] = await measure(stack, fixture, db);
    } finally {
      await stack?.stop();
      await db.dropDatabase().catch(() => {});
      await client.close();
    }
  }
  mkdirSync(join(ROOT_DIR, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT_DIR, 'bench', 'results', 'scale.json'), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  agent.destroy();
  await bench.close();
}
