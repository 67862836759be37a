/**
 * Each test file that runs worker processes gets its own Redis database: a worker drains every
 * dirty room it can see, and must not drain another test's rooms.
 */
export function redisDb(db: number): string {
  const url = new URL(process.env.REDIS_URL!);
  url.pathname = `/${db}`;
  return url.toString();
}

export const REDIS_DB = {
  e2e: 13,
  workerCrash: 12,
  mongoOutage: 11,
  redisOutage: 10,
  workers: 9,
  scaleOut: 8,
  artillery: 7,
  tracing: 6,
  adminStats: 5,
  web: 4,
  authThrottle: 3,
  fileSafety: 2,
  layout: 1,
} as const;
