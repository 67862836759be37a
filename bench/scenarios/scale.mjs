// scale: history, the room list, login and room:join at concurrency 50 against a database seeded
// with 1,000,000 messages in 10,000 rooms and 100,000 users, and against one holding only what
// the requests touch; each database-bound request next to the raw driver's reads of the same
// keys (the database's ceiling). --quick: a fixture ten times smaller.
import { runScript } from '../lib/script.mjs';

export const title = 'scale';

/** Requests compared seeded against empty, and the target each is held to. */
const REQUESTS = [
  ['first', 'history first page', 'rawFirst'],
  ['older', 'history older page', 'rawOlder'],
  ['rooms', 'GET /rooms (100 rooms)', 'rawRooms'],
  ['login', 'login', 'rawLogin'],
  ['loginAlone', 'login, one at a time', null],
  ['join', 'room:join, cold cache', 'rawJoin'],
];

export async function run({ quick }) {
  const result = await runScript('scale.mjs', 'scale.json', {
    BENCH_SCALE_USERS: quick ? '10000' : '100000',
    BENCH_SCALE_ROOMS: quick ? '1000' : '10000',
    BENCH_SCALE_MESSAGES: quick ? '100000' : '1000000',
    BENCH_REQUESTS: quick ? '500' : '5000',
    BENCH_LOGINS: quick ? '200' : '1000',
    BENCH_JOINS_PER_JOINER: quick ? '20' : '100',
    BENCH_BUDGET_SEC: quick ? '4' : '20',
    BENCH_CONCURRENCY: '50',
  });
  const { seeded, empty } = result.databases;
  const row = (target, r, key) => ({
    target:
      r.concurrency === result.settings.CONCURRENCY || key === 'loginAlone'
        ? target
        : `${target} (c=${r.concurrency}, n=${r.requests}; alone p50 ${r.aloneP50} ms)`,
    rate: r.reqPerSec,
    p50: r.p50,
    p99: r.p99,
    errors: r.errors,
  });
  const rows = [];
  for (const [key, label, raw] of REQUESTS) {
    rows.push(row(`${label} · seeded`, seeded[key], key), row(`${label} · empty`, empty[key], key));
    if (raw)
      rows.push(
        row(`  raw driver (db ceiling) · seeded`, seeded[raw]),
        row(`  raw driver (db ceiling) · empty`, empty[raw]),
      );
  }
  const argon2 = result.argon2;
  rows.push({ target: 'argon2 verify alone, one at a time', p50: argon2.p50, p99: argon2.p99 });

  const checks = {};
  // Latencies at different concurrency do not compare: then the one-at-a-time figures do.
  const comparable = (key) =>
    seeded[key].concurrency === empty[key].concurrency
      ? [seeded[key].p99, empty[key].p99]
      : [seeded[key].aloneP50, empty[key].aloneP50];
  for (const [key, label] of REQUESTS) {
    const [a, b] = comparable(key);
    checks[`${label}: p99 seeded ≤ 1.2 × empty`] = a <= 1.2 * b;
  }
  checks['zero errors'] = REQUESTS.every(([key]) => seeded[key].errors === 0 && empty[key].errors === 0);

  const s = seeded;
  const verdict = (ok) => (ok ? 'met' : 'missed');
  const queued = Math.ceil(result.settings.CONCURRENCY / result.settings.PASSWORD_HASH_CONCURRENCY);
  const notes = [
    `seeded ${result.seeding.seeded.counts.messages.toLocaleString('en-US')} messages, ${result.seeding.seeded.counts.users.toLocaleString('en-US')} users, ${result.seeding.seeded.counts.rooms.toLocaleString('en-US')} rooms in ${result.seeding.seeded.seconds.total} s`,
    `target history first page p99 ≤ 15 ms and ≥ 2,000 req/s: seeded p99 ${s.first.p99} ms, ${s.first.reqPerSec} req/s (${verdict(s.first.p99 <= 15 && s.first.reqPerSec >= 2000)})`,
    `target history older page p99 ≤ 30 ms: seeded p99 ${s.older.p99} ms (${verdict(s.older.p99 <= 30)})`,
    `target GET /rooms p99 ≤ 20 ms: seeded p99 ${s.rooms.p99} ms (${verdict(s.rooms.p99 <= 20)})`,
    `target login p99 ≤ argon2 (${argon2.p50} ms) + 10 ms, for one login at a time: seeded p99 ${s.loginAlone.p99} ms (${verdict(s.loginAlone.p99 <= argon2.p50 + 10)}); at c=${result.settings.CONCURRENCY} logins queue behind PASSWORD_HASH_CONCURRENCY=${result.settings.PASSWORD_HASH_CONCURRENCY}: ~${queued} × argon2 ≈ ${Math.round(queued * argon2.p50)} ms, seeded p99 ${s.login.p99} ms`,
    `target room:join p99 ≤ 5 ms: seeded p99 ${s.join.p99} ms (${verdict(s.join.p99 <= 5)})`,
    'a row marked (c=…, n=…) ran fewer at once: one request took so long (a scan) that 50 would not end within the budget; where seeded and empty ran at different concurrency, the check compares their one-at-a-time p50 instead of p99',
  ];
  return { settings: result.settings, rows, checks, notes };
}
