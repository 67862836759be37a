// Makes sure Redis and a MongoDB-protocol server are reachable, starting local ones when the
// configured URL points at this machine and nothing answers there. Used by `npm start` and by
// the test suite's global setup. Order for MongoDB: mongod if installed, else FerretDB 1.24
// built from the Go module proxy (tools/ferretdb), else mongodb-memory-server.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasExited, stop, waitUntil } from './harness.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function which(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim() || null;
}

/** Sends PING over a raw socket: true for +PONG or an auth error (the server is there). */
export function redisAnswers(url, timeoutMs = 1000) {
  const { hostname, port } = new URL(url);
  return new Promise((resolvePing) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(/^(\+PONG|-NOAUTH|-ERR)/.test(data.toString())));
  });
}

export async function mongoAnswers(url, timeoutMs = 1500) {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}

/** Waits until `check` holds; fails when `child` (the server that should answer) exits first. */
const waitFor = (check, what, timeoutMs, child) =>
  waitUntil(check, { what: `${what} to answer within ${timeoutMs} ms`, timeoutMs, intervalMs: 200, child });

function startChild(name, command, args, logFile, log) {
  log(`starting ${name}: ${command} ${args.join(' ')} (log: ${logFile})`);
  const out = openSync(logFile, 'a');
  // Own process group: a terminal's Ctrl-C reaches the apps, not the databases, which stop()
  // stops only after the apps have closed their connections.
  return spawn(command, args, { stdio: ['ignore', out, out], detached: true });
}

async function stopChild(child, name, log) {
  if (hasExited(child)) return;
  log(`stopping ${name}`);
  await stop(child, { graceMs: 10_000 });
}

/** Builds tools/ferretdb into DATA_DIR/bin when missing or older than its sources. */
export function buildFerretDb(dataDir, log) {
  const source = join(ROOT, 'tools', 'ferretdb');
  const binary = join(dataDir, 'bin', 'ferretdb');
  const sources = readdirSync(source).filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum');
  const newest = Math.max(...sources.map((f) => statSync(join(source, f)).mtimeMs));
  if (existsSync(binary) && statSync(binary).mtimeMs >= newest) return binary;
  log('building FerretDB 1.24 from the Go module proxy (first time only, about a minute)');
  mkdirSync(dirname(binary), { recursive: true });
  const result = spawnSync('go', ['build', '-o', binary, '.'], { cwd: source, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('building FerretDB failed (see the go output above)');
  return binary;
}

async function ensureRedis(url, dataDir, log) {
  if (await redisAnswers(url)) {
    log(`redis: using ${url}`);
    return null;
  }
  const { hostname, port } = new URL(url);
  if (!LOOPBACK.has(hostname)) throw new Error(`Redis at ${url} does not answer; start it or set REDIS_URL`);
  const server = which('redis-server');
  if (!server) {
    throw new Error(
      `Nothing answers at ${url} and redis-server is not installed. Install Redis 7 ` +
        `(apt-get install redis-server / brew install redis), run \`docker compose up -d redis\`, or set REDIS_URL.`,
    );
  }
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = startChild(
    'redis-server',
    server,
    [
      '--port',
      String(port || 6379),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
    ],
    join(dataDir, 'redis.log'),
    log,
  );
  await waitFor(() => redisAnswers(url), 'redis-server', 15_000, child);
  log(`redis: started redis-server on ${url} (data in ${dir})`);
  return { name: 'redis-server', child };
}

/** Deletes the test suite's and the bench's FerretDB files (databases `*_test`, `*_bench`). */
function removeScratchDatabases(dir) {
  if (!existsSync(dir)) return [];
  const scratch = readdirSync(dir).filter((name) => /_(test|bench)\.sqlite/.test(name));
  for (const name of scratch) rmSync(join(dir, name), { force: true });
  return scratch;
}

async function ensureMongo(url, dataDir, log) {
  if (await mongoAnswers(url)) {
    log(`mongodb: using ${url}`);
    return null;
  }
  const parsed = new URL(url);
  if (!LOOPBACK.has(parsed.hostname))
    throw new Error(`MongoDB at ${url} does not answer; start it or set MONGO_URL`);
  const port = Number(parsed.port || 27017);
  const mongod = which('mongod');
  if (mongod) {
    const dir = join(dataDir, 'mongod');
    mkdirSync(dir, { recursive: true });
    const child = startChild(
      'mongod',
      mongod,
      ['--dbpath', dir, '--port', String(port), '--bind_ip', '127.0.0.1'],
      join(dataDir, 'mongod.log'),
      log,
    );
    await waitFor(() => mongoAnswers(url), 'mongod', 60_000, child);
    log(`mongodb: started mongod on port ${port} (data in ${dir})`);
    return { name: 'mongod', child };
  }
  if (which('go')) {
    const binary = buildFerretDb(dataDir, log);
    const dir = join(dataDir, 'ferretdb');
    const start = async () => {
      const child = startChild(
        'ferretdb',
        binary,
        ['-listen', `127.0.0.1:${port}`, '-sqlite-dir', dir],
        join(dataDir, 'ferretdb.log'),
        log,
      );
      await waitFor(() => mongoAnswers(url), 'ferretdb', 30_000, child);
      return child;
    };
    let child;
    try {
      child = await start();
    } catch (error) {
      // A FerretDB crash can leave a half-written database file, and then it refuses to start.
      // The test suite's and the bench's databases are emptied before every use anyway: delete
      // those and try once more. Anything else is the user's data: say where to look.
      const removed = removeScratchDatabases(dir);
      if (!removed.length) throw new Error(`${error.message}; see ${join(dataDir, 'ferretdb.log')}`);
      log(`mongodb: FerretDB did not start; removed its scratch databases (${removed.join(', ')}), retrying`);
      child = await start();
    }
    log(`mongodb: started FerretDB 1.24 (SQLite) on port ${port} (data in ${dir})`);
    return { name: 'ferretdb', child };
  }
  log('mongodb: no mongod and no Go toolchain; starting mongodb-memory-server (downloads mongod once)');
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const dir = join(dataDir, 'mongo-memory');
  mkdirSync(dir, { recursive: true });
  const server = await MongoMemoryServer.create({
    instance: { port, ip: '127.0.0.1', dbPath: dir, storageEngine: 'wiredTiger' },
  });
  return { name: 'mongodb-memory-server', stop: () => server.stop() };
}

/**
 * Returns the URLs to use and a stop() that stops only what this call started.
 * Nothing it starts outlives stop(); things it found running are left alone.
 */
export async function ensureInfra({
  redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  mongoUrl = process.env.MONGO_URL || 'mongodb://127.0.0.1:27017/chat',
  dataDir = resolve(ROOT, process.env.DATA_DIR || '.data'),
  log = (line) => console.log(`[infra] ${line}`),
} = {}) {
  mkdirSync(dataDir, { recursive: true });
  const started = [];
  const stop = async () => {
    for (const item of started.reverse()) {
      if (item.child) await stopChild(item.child, item.name, log);
      else await item.stop();
    }
  };
  try {
    const redis = await ensureRedis(redisUrl, dataDir, log);
    if (redis) started.push(redis);
    const mongo = await ensureMongo(mongoUrl, dataDir, log);
    if (mongo) started.push(mongo);
  } catch (error) {
    await stop();
    throw error;
  }
  return { redisUrl, mongoUrl, dataDir, stop };
}
