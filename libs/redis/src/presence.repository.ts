import { Inject, Injectable } from '@nestjs/common';
import type { PresenceUser } from '@chat/contracts';
import type { RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';
import { REDIS } from './redis.token.js';

/**
 * A connection joins a room. KEYS: room users, the user's connections in the room.
 * ARGV: user member, socket id, expiry ms, now ms, key ttl ms. Returns 1 when the user came online.
 */
const JOIN_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
local before = redis.call('ZCARD', KEYS[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local was = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], 'GT', ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if before == 0 and (not was or tonumber(was) < tonumber(ARGV[4])) then return 1 end
return 0
`;

/** A connection leaves a room. ARGV: user member, socket id, now ms. Returns 1 when the user went offline. */
const LEAVE_SCRIPT = `
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) == 0 then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
`;

type PresenceClient = RedisClient & {
  presenceJoin(
    users: string,
    conns: string,
    member: string,
    socketId: string,
    expiry: number,
    now: number,
    ttl: number,
  ): Promise<number>;
  presenceLeave(users: string, conns: string, member: string, socketId: string, now: number): Promise<number>;
};

/** One connection as its instance registers it. */
export interface ConnectionEntry {
  socketId: string;
  user: PresenceUser;
  connectedAt: number;
  rooms: Iterable<string>;
  /** Last round trip of an engine.io ping, in ms. */
  rttMs: number | null;
}

export interface RegisteredConnection {
  instanceId: string;
  socketId: string;
  userId: string;
  username: string;
  connectedAt: string;
  rooms: string[];
  rttMs: number | null;
}

const member = (user: PresenceUser) => `${user.id}:${user.username}`;

function parseMember(value: string): PresenceUser {
  const at = value.indexOf(':');
  return { id: value.slice(0, at), username: value.slice(at + 1) };
}

function describe(connection: ConnectionEntry): string {
  return JSON.stringify({
    userId: connection.user.id,
    username: connection.user.username,
    connectedAt: new Date(connection.connectedAt).toISOString(),
    rooms: [...connection.rooms],
    rttMs: connection.rttMs,
  });
}

/**
 * Presence in Redis, every entry scored or keyed with an expiry so that a crashed instance's
 * entries vanish by themselves:
 * - per room: the online users (sorted set, score = expiry) and each user's connections in it;
 * - per instance: its connections (hash, expiring with the instance); and the live instances.
 * Writers are the socket instances; readers are the socket app and the api.
 */
/** Connections refreshed per step of a heartbeat. */
const HEARTBEAT_SLICE = 200;

@Injectable()
export class PresenceRepository {
  private readonly redis: PresenceClient;

  constructor(@Inject(REDIS) redis: RedisClient) {
    this.redis = redis as PresenceClient;
    if (!('presenceJoin' in redis)) {
      redis.defineCommand('presenceJoin', { numberOfKeys: 2, lua: JOIN_SCRIPT });
      redis.defineCommand('presenceLeave', { numberOfKeys: 2, lua: LEAVE_SCRIPT });
    }
  }

  /** Returns true when this connection made the user online in the room. */
  async join(roomId: string, user: PresenceUser, socketId: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const cameOnline = await this.redis.presenceJoin(
      RedisKeys.roomPresence(roomId),
      RedisKeys.roomUserConnections(roomId, user.id),
      member(user),
      socketId,
      now + ttlMs,
      now,
      ttlMs,
    );
    return cameOnline === 1;
  }

  /** Returns true when this connection was the user's last one in the room. */
  async leave(roomId: string, user: PresenceUser, socketId: string): Promise<boolean> {
    const wentOffline = await this.redis.presenceLeave(
      RedisKeys.roomPresence(roomId),
      RedisKeys.roomUserConnections(roomId, user.id),
      member(user),
      socketId,
      Date.now(),
    );
    return wentOffline === 1;
  }

  /** Users online in the room through any instance that is alive. */
  async online(roomId: string): Promise<PresenceUser[]> {
    const members = await this.redis.zrangebyscore(RedisKeys.roomPresence(roomId), Date.now(), '+inf');
    return members.map(parseMember).sort((a, b) => a.username.localeCompare(b.username));
  }

  async register(instanceId: string, connection: ConnectionEntry): Promise<void> {
    await this.redis.hset(
      RedisKeys.instanceConnections(instanceId),
      connection.socketId,
      describe(connection),
    );
  }

  async unregister(instanceId: string, socketId: string): Promise<void> {
    await this.redis.hdel(RedisKeys.instanceConnections(instanceId), socketId);
  }

  async removeInstance(instanceId: string): Promise<void> {
    await Promise.all([
      this.redis.zrem(RedisKeys.instances, instanceId),
      this.redis.del(RedisKeys.instanceConnections(instanceId)),
    ]);
  }

  /**
   * Refreshes every entry of one instance: the instance itself, its connections, and each
   * connection's presence in its rooms. On a cluster each command goes to its own slot's node.
   * Connections go in slices of HEARTBEAT_SLICE, yielding to the event loop in between: 3,000
   * connections in one go were 7,000 commands in one burst, and the chat sends queued behind
   * them every beat (that burst set the p99 of the seed-003 profile). Returns the first error.
   */
  async heartbeat(instanceId: string, connections: ConnectionEntry[], ttlMs: number): Promise<unknown> {
    const now = Date.now();
    const expiry = now + ttlMs;
    const instanceKey = RedisKeys.instanceConnections(instanceId);
    let firstError: unknown;
    const settle = async (writes: Array<Promise<unknown>>) => {
      for (const result of await Promise.allSettled(writes))
        if (result.status === 'rejected') firstError ??= result.reason;
    };
    await settle([
      this.redis.zadd(RedisKeys.instances, expiry, instanceId),
      this.redis.zremrangebyscore(RedisKeys.instances, '-inf', now),
    ]);
    for (let start = 0; start < connections.length; start += HEARTBEAT_SLICE) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      const slice = connections.slice(start, start + HEARTBEAT_SLICE);
      const fields = slice.flatMap((connection) => [connection.socketId, describe(connection)]);
      const writes: Array<Promise<unknown>> = [this.redis.hset(instanceKey, ...fields)];
      const usersByRoom = new Map<string, Set<string>>();
      for (const connection of slice) {
        for (const roomId of connection.rooms) {
          const conns = RedisKeys.roomUserConnections(roomId, connection.user.id);
          writes.push(this.redis.zadd(conns, expiry, connection.socketId), this.redis.pexpire(conns, ttlMs));
          const users = usersByRoom.get(roomId) ?? new Set<string>();
          users.add(member(connection.user));
          usersByRoom.set(roomId, users);
        }
      }
      for (const [roomId, users] of usersByRoom) {
        const key = RedisKeys.roomPresence(roomId);
        const args = [...users].flatMap((user) => [expiry, user]);
        // GT: a slice never lowers an expiry another slice (or a join) just raised.
        writes.push(
          this.redis.zadd(key, 'GT', ...args),
          this.redis.pexpire(key, ttlMs),
          this.redis.zremrangebyscore(key, '-inf', now),
        );
      }
      await settle(writes);
    }
    if (connections.length) await settle([this.redis.pexpire(instanceKey, ttlMs)]);
    return firstError;
  }

  /** Every registered connection of a user, on every live instance. */
  async connectionsOf(userId: string): Promise<RegisteredConnection[]> {
    const instances = await this.redis.zrangebyscore(RedisKeys.instances, Date.now(), '+inf');
    const hashes = await Promise.all(
      instances.map((instanceId) => this.redis.hgetall(RedisKeys.instanceConnections(instanceId))),
    );
    const result: RegisteredConnection[] = [];
    hashes.forEach((hash, i) => {
      for (const [socketId, json] of Object.entries(hash)) {
        const entry = JSON.parse(json) as Omit<RegisteredConnection, 'instanceId' | 'socketId'>;
        if (entry.userId === userId) result.push({ instanceId: instances[i], socketId, ...entry });
      }
    });
    return result;
  }
}
