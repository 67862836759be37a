// Starts a Redis Cluster of three primaries on loopback from the installed redis-server, for
// trying and testing the stack on a cluster:
//   node scripts/redis-cluster.mjs [firstPort=7000]     (foreground; Ctrl-C stops it)
// then run the apps with REDIS_CLUSTER_NODES=127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT_DIR } from './paths.mjs';

const SLOTS = 16384;

/** Starts the nodes, assigns the slots evenly, joins them, and waits for cluster_state:ok. */
export async function startRedisCluster({ ports, dir = join(ROOT_DIR, '.data', 'redis-cluster') }) {
  const { Redis } = await import('ioredis');
  const children = ports.map((port) => {
    const nodeDir = join(dir, String(port));
    rmSync(nodeDir, { recursive: true, force: true });
    mkdirSync(nodeDir, { recursive: true });
    // prettier-ignore
    return spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      '--cluster-config-file', join(nodeDir, 'nodes.conf'), '--dir', nodeDir,
      '--save', '', '--appendonly', 'no', '--cluster-node-timeout', '2000',
    ], { stdio: 'ignore' });
  });
  const clients = ports.map((port) => {
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 100 });
    client.on('error', () => undefined); // refused until the node listens
    return client;
  });
  const stop = async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    await Promise.all(
      clients.map(
        (client) =>
          new Promise((resolve, reject) => {
            if (client.status === 'ready') return resolve();
            const timer = setTimeout(() => reject(new Error('a cluster node did not start in 10 s')), 10_000);
            client.once('ready', () => (clearTimeout(timer), resolve()));
          }),
      ),
    );
    const share = Math.ceil(SLOTS / ports.length);
    await Promise.all(
      clients.map((client, i) =>
        client.call('CLUSTER', 'ADDSLOTSRANGE', i * share, Math.min(SLOTS, (i + 1) * share) - 1),
      ),
    );
    for (const port of ports.slice(1)) await clients[0].call('CLUSTER', 'MEET', '127.0.0.1', port);
    const deadline = Date.now() + 20_000;
    for (const client of clients) {
      while (!String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
        if (Date.now() > deadline)
          throw new Error('the Redis Cluster did not reach cluster_state:ok in 20 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((port) => `127.0.0.1:${port}`).join(','), stop };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const first = Number(process.argv[2] ?? 7000);
  const cluster = await startRedisCluster({ ports: [first, first + 1, first + 2] });
  console.log(`Redis Cluster ready: REDIS_CLUSTER_NODES=${cluster.nodes}   (Ctrl-C stops it)`);
  const shutdown = () => cluster.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
