import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { AppConfig } from '@chat/config';

/** A single Redis or a Redis Cluster: the apps use the commands both share. */
export type RedisClient = Redis | Cluster;

export type RedisConnectionConfig = Pick<AppConfig, 'REDIS_URL' | 'redisClusterNodes'>;

export interface RedisClientOptions {
  /**
   * A pub/sub connection: it keeps ioredis' offline queue so (s)subscribe calls made while Redis
   * is away are sent, and re-sent, when it returns.
   */
  subscriber?: boolean;
  /**
   * A connection that blocks in a read (XREAD BLOCK): when the connection drops, its pending read
   * fails (after one reconnect attempt) instead of waiting for Redis to return, so a reader that
   * has been told to stop stops, even when Redis is gone for good; one that has not reads again
   * from its last offset.
   */
  blockingReader?: boolean;
}

/**
 * Options that make a Redis outage visible at once instead of queueing commands in memory:
 * a send must fail with STORE_FAILED, never hang or be acked late. The client reconnects by
 * itself when Redis returns.
 */
export function redisClientOptions(
  name: string,
  { subscriber = false, blockingReader = false }: RedisClientOptions = {},
): RedisOptions {
  return {
    connectionName: name,
    enableOfflineQueue: subscriber,
    maxRetriesPerRequest: subscriber && !blockingReader ? null : 1,
    ...(blockingReader && { autoResendUnfulfilledCommands: false }),
    commandTimeout: subscriber ? undefined : 5000,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    // Commands issued in the same tick (concurrent sends' scripts, a worker's per-partition
    // reads) leave in one write: the profile showed socket writes as the worker's top cost.
    enableAutoPipelining: !subscriber,
    // The append script already carries every send of a turn of the event loop (see
    // MessageAppender in @chat/message-log): an auto-pipeline around it only added a Pipeline per turn,
    // which lived on in the old generation, and another turn before the write.
    autoPipeliningIgnoredCommands: ['chatAppend'],
  };
}

/** Credentials, database-free, and TLS of REDIS_URL, for the nodes of a cluster. */
function nodeOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' && { tls: {} }),
  };
}

export function createRedisClient(
  config: RedisConnectionConfig,
  name: string,
  options: RedisClientOptions = {},
): RedisClient {
  const base = redisClientOptions(name, options);
  if (!config.redisClusterNodes) return new Redis(config.REDIS_URL, base);
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...nodeOptions(config.REDIS_URL), ...base },
    enableOfflineQueue: base.enableOfflineQueue,
    // Commands to different nodes issued in one tick go out as one pipeline per node.
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: base.autoPipeliningIgnoredCommands,
    // One subscriber connection per primary, so SSUBSCRIBE reaches the shard owning the channel.
    shardedSubscribers: options.subscriber === true,
    clusterRetryStrategy: base.retryStrategy,
  };
  return new Cluster(config.redisClusterNodes, clusterOptions);
}

/** Waits until the client is ready, or gives up after timeoutMs without throwing. */
export async function waitForReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}

/**
 * True when a command failed before it was handed to Redis: the client was not connected, and
 * with the offline queue off ioredis refuses at once ("Stream isn't writeable…" on a single
 * Redis, "Cluster isn't ready…" on a cluster; both end in the option's name). Any other failure
 * (a timeout, a connection lost with the command in flight, an error reply mid-script) may have
 * come after Redis ran it. Pinned by test/faults/redis-stall.spec.ts and redis-outage.spec.ts.
 */
export function failedBeforeSending(error: unknown): boolean {
  return error instanceof Error && /enableOfflineQueue options is false/.test(error.message);
}

/**
 * A health check of a connection that may be blocked in a command (XREAD BLOCK) or subscribed:
 * it holds when ioredis reports the connection ready, without sending anything on it.
 */
export function connectionReady(client: RedisClient): () => Promise<void> {
  return async () => {
    if (client.status !== 'ready') throw new Error(`connection ${client.status}`);
  };
}
