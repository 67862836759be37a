import { jest } from '@jest/globals';
import { Cluster } from 'ioredis';
import { ChatClient } from '@chat/client';
import type { Message } from '@chat/contracts';
import { RedisKeys } from '@chat/redis';
import { startRedisCluster } from '../../scripts/redis-cluster.mjs';
import { createRoom, createUser, fullHistory, http } from '../support/http.js';
import { startAppProcesses, type AppProcess } from '../support/processes.js';
import { freePort, waitUntil } from '../../scripts/harness.mjs';

/**
 * The same apps, unchanged, on a Redis Cluster of three primaries (scripts/redis-cluster.mjs):
 * sends on two socket instances, delivery through sharded pub/sub, the worker's drain, history.
 */
let cluster: { nodes: string; stop(): Promise<void> };
let apps: AppProcess[] = [];

jest.setTimeout(120_000);

beforeAll(async () => {
  const first = await freePort();
  const ports = [first, await freePort(), await freePort()];
  cluster = await startRedisCluster({ ports, dir: `${process.env.DATA_DIR}/redis-cluster` });
  const env = { REDIS_CLUSTER_NODES: cluster.nodes, WORKER_INTERVAL_MS: '50' };
  apps = await startAppProcesses(['api', 'worker', 'socket', 'socket'], env);
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await cluster?.stop();
});

it('runs the chat path and the worker on a Redis Cluster', async () => {
  const [api, , socketA, socketB] = apps;
  const [alice, bob] = await Promise.all([createUser(api.url), createUser(api.url)]);
  const rooms = await Promise.all(Array.from({ length: 4 }, () => createRoom(api.url, alice)));
  for (const roomId of rooms)
    expect((await http(api.url, 'POST', `/rooms/${roomId}/members`, { token: bob.accessToken })).status).toBe(
      204,
    );

  const received = new Map<string, Message[]>();
  const clients = [
    new ChatClient({ url: socketA.url, token: alice.accessToken }),
    new ChatClient({ url: socketB.url, token: bob.accessToken }),
  ];
  try {
    clients.forEach((client, i) => {
      client.on('message', (m) =>
        received.set(`${i}:${m.roomId}`, [...(received.get(`${i}:${m.roomId}`) ?? []), m]),
      );
    });
    await Promise.all(clients.map((client) => client.connect()));
    await Promise.all(clients.flatMap((client) => rooms.map((roomId) => client.join(roomId))));

    const PER_ROOM = 50;
    await Promise.all(
      rooms.flatMap((roomId) =>
        clients.map((client, c) =>
          Promise.all(
            Array.from({ length: PER_ROOM / 2 }, (_, i) => client.send(roomId, { content: `${c}-${i}` })),
          ),
        ),
      ),
    );

    // The worker drains every room of every shard.
    const redis = new Cluster(
      cluster.nodes.split(',').map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })),
    );
    try {
      let left: number[] = [];
      await waitUntil(
        async () => {
          left = await Promise.all(rooms.map((roomId) => redis.xlen(RedisKeys.roomStream(roomId))));
          return left.every((n) => n === 0);
        },
        { what: 'the worker to drain every room', timeoutMs: 30_000 },
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${left.join(',')} left`);
      });
    } finally {
      redis.disconnect();
    }

    for (const roomId of rooms) {
      const history = (await fullHistory(api.url, bob, roomId)).map((m) => m.id);
      expect(history).toHaveLength(PER_ROOM);
      for (const c of [0, 1])
        expect((received.get(`${c}:${roomId}`) ?? []).map((m) => m.id)).toEqual(history);
    }
    expect((await clients[0].presence(rooms[0])).map((u) => u.id).sort()).toEqual([alice.id, bob.id].sort());
  } finally {
    clients.forEach((client) => client.close());
  }
});
