// Starts (or finds) real Redis and a real MongoDB-protocol server for the tiers that need them
// (integration, e2e, system), and gives the tests their own Redis databases and MongoDB
// database, emptied before the run. Each of those projects names this setup; the first one of a
// run does the work.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInfra } from '../../scripts/infra.mjs';

export const TEST_REDIS_DB = 15;
export const TEST_MONGO_DB = 'chat_test';

export default async function globalSetup() {
  if (globalThis.__chatInfra) return;
  const infra = await ensureInfra({ log: (line) => process.stderr.write(`\n[infra] ${line}`) });
  globalThis.__chatInfra = infra;

  const redisUrl = new URL(infra.redisUrl);
  redisUrl.pathname = `/${TEST_REDIS_DB}`;
  const mongoUrl = new URL(infra.mongoUrl);
  mongoUrl.pathname = `/${TEST_MONGO_DB}`;

  const { Redis } = await import('ioredis');
  // 15 for in-process tests; 2-13 for the files that run worker processes (test/support/isolation.ts).
  for (const db of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, TEST_REDIS_DB]) {
    const redis = new Redis(infra.redisUrl, { db });
    await redis.flushdb();
    await redis.quit();
  }
  const { MongoClient } = await import('mongodb');
  const mongo = await MongoClient.connect(mongoUrl.toString());
  await mongo.db().dropDatabase();
  // test/scale keeps its 10,000-message room apart; start it empty too, so runs stay alike.
  await mongo.db(`${TEST_MONGO_DB}_scale`).dropDatabase();
  await mongo.close();

  process.env.TEST_REDIS_URL = redisUrl.toString();
  process.env.TEST_MONGO_URL = mongoUrl.toString();
  process.env.TEST_DATA_DIR = mkdtempSync(join(tmpdir(), 'chat-test-'));
  // Where the infrastructure keeps its binaries (test/support/ferretdb.ts builds there too).
  process.env.TEST_INFRA_DATA_DIR = infra.dataDir;
}
