/** One socket instance's figures over its last second (rates) and since it started (totals). */
export interface SocketInstanceStats {
  id: string;
  /** When the instance reported them (epoch ms). */
  at: number;
  connections: number;
  /** Distinct users connected to this instance. */
  users: number;
  messagesInPerSec: number;
  storedPerSec: number;
  /** chat:message emits to sockets (a message to a room of 10 here counts 10). */
  deliveriesPerSec: number;
  errorsPerSec: number;
  /** chat:send ack latency over the last second; null when nothing was sent. */
  ackP50Ms: number | null;
  ackP99Ms: number | null;
  eventLoopP99Ms: number;
  rssBytes: number;
  /** Since the instance started. */
  storedTotal: number;
  errorsTotal: number;
}

/** Acked messages not yet in MongoDB, as the worker last measured them. */
export interface BacklogStats {
  at: number;
  messages: number;
  rooms: number;
  /** Age of the oldest unpersisted message; 0 when there is none. */
  oldestAgeSec: number;
}

/** The live snapshot admins see (`GET /admin/stats`, `admin:stats` every second). */
export interface AdminStats {
  at: string;
  totals: {
    instances: number;
    connections: number;
    messagesInPerSec: number;
    storedPerSec: number;
    deliveriesPerSec: number;
    errorsPerSec: number;
    /** The worst instance's p99; null when no instance saw a send in its last second. */
    ackP99Ms: number | null;
    storedTotal: number;
    errorsTotal: number;
  };
  instances: SocketInstanceStats[];
  /** Null when no worker reported recently: itself a reason to look. */
  backlog: BacklogStats | null;
}

/** Sums the live instances' figures into the snapshot. */
export function aggregateStats(
  instances: SocketInstanceStats[],
  backlog: BacklogStats | null,
  now = Date.now(),
): AdminStats {
  const sum = (pick: (s: SocketInstanceStats) => number) => instances.reduce((n, s) => n + pick(s), 0);
  const p99s = instances.map((s) => s.ackP99Ms).filter((p): p is number => p !== null);
  return {
    at: new Date(now).toISOString(),
    totals: {
      instances: instances.length,
      connections: sum((s) => s.connections),
      messagesInPerSec: sum((s) => s.messagesInPerSec),
      storedPerSec: sum((s) => s.storedPerSec),
      deliveriesPerSec: sum((s) => s.deliveriesPerSec),
      errorsPerSec: sum((s) => s.errorsPerSec),
      ackP99Ms: p99s.length ? Math.max(...p99s) : null,
      storedTotal: sum((s) => s.storedTotal),
      errorsTotal: sum((s) => s.errorsTotal),
    },
    instances: [...instances].sort((a, b) => a.id.localeCompare(b.id)),
    backlog,
  };
}
