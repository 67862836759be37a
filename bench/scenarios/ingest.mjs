// ingest: C clients, each with K sends in flight, as fast as acks come; the chat stack and its
// three peers in turn. For the chat stack it then waits for the worker and checks that every
// acked message is in MongoDB, once.
import { runLoad } from '../lib/load.mjs';
import { loadThenDrain, startTarget, usersInRooms } from '../lib/stack.mjs';
import { cpuMeter, databasePids } from '../lib/cpu.mjs';

export const title = 'ingest';
// chat: the worker drains after the load, as when it runs on another host (its own container);
// chat+drain: the worker and the database share this machine's two cores with the load.
const TARGETS = (process.env.BENCH_TARGETS ?? 'chat,chat+drain,bare,naive,batcher').split(',');

export async function run({ bench, quick, log }) {
  const clients = quick ? 20 : 50;
  const inFlight = 10;
  const perClient = quick ? 100 : Number(process.env.BENCH_PER_CLIENT ?? 1200);
  const settings = { clients, inFlight, perClient, roomSize: 2, payloadBytes: 64 };
  const rows = [];
  const measure = async (url, users, pids) => {
    const meter = cpuMeter({ ...pids, ...(await databasePids(bench)) });
    const result = await runLoad({
      url,
      users: users.map((u) => ({ ...u, startAtMs: 0, sends: perClient, inFlight })),
      deadlineMs: quick ? 60_000 : 180_000,
    });
    return { ...result, cpuSeconds: meter() };
  };
  for (const target of TARGETS) {
    await bench.reset();
    log(`ingest: ${target} (${clients} clients × ${inFlight} in flight × ${perClient})`);
    let result;
    if (target.startsWith('chat')) {
      const options = { concurrentDrain: target === 'chat+drain', drainTimeoutMs: quick ? 60_000 : 180_000 };
      result = await loadThenDrain(bench, options, async (stack) =>
        measure(stack.socket, await usersInRooms(stack.api, clients, 2), stack.pids),
      );
    } else {
      const peer = await startTarget(bench, target, { count: clients, roomSize: 2 });
      result = await measure(peer.url, peer.users, peer.pids).finally(() => peer.stop());
    }
    rows.push({ target, ...result });
  }
  // BENCH_CURVE=0 skips the latency curve (e.g. when profiling one target).
  const curve = process.env.BENCH_CURVE === '0' ? undefined : await latencyCurve({ bench, quick, log });
  const { chat, bare, naive } = Object.fromEntries(rows.map((row) => [row.target, row]));
  const checks = {};
  if (chat && bare) {
    checks['acked/s ≥ 0.8 × bare'] = chat.ackedPerSec >= 0.8 * bare.ackedPerSec;
    checks['p99 ≤ 1.5 × bare'] = chat.ack.p99 <= 1.5 * bare.ack.p99;
  }
  if (chat && naive) checks['acked/s ≥ 5 × naive'] = chat.ackedPerSec >= 5 * naive.ackedPerSec;
  for (const row of rows.filter((r) => r.target.startsWith('chat'))) {
    checks[`${row.target}: zero errors`] = row.errorCount === 0;
    checks[`${row.target}: persisted = acked = sent`] =
      row.persisted === row.acked && row.acked === row.sends;
  }
  return { settings, rows, checks, curve };
}

/**
 * Latency against load: open-loop sends at fixed rates (latency from each planned moment), the
 * chat stack (worker after) and bare, a few seconds per step. Feeds the chart.
 */
async function latencyCurve({ bench, quick, log }) {
  const rates = quick ? [500, 1000] : [1000, 2000, 4000, 6000, 8000, 10_000];
  const seconds = quick ? 2 : 5;
  const clients = 50;
  const curve = { rates, seconds, clients, series: {} };
  for (const target of ['chat', 'bare']) {
    await bench.reset();
    const server = await startTarget(bench, target, { count: clients, roomSize: 2, apps: ['api', 'socket'] });
    curve.series[target] = [];
    for (const rate of rates) {
      const perClient = rate / clients;
      log(`latency curve: ${target} at ${rate} msg/s`);
      const result = await runLoad({
        url: server.url,
        users: server.users.map((f) => ({
          ...f,
          startAtMs: 0,
          sends: Math.round(perClient * seconds),
          ratePerSec: perClient,
        })),
        deadlineMs: (seconds + 30) * 1000,
      });
      curve.series[target].push({
        rate,
        achieved: result.ackedPerSec,
        ...result.ack,
        errors: result.errorCount,
      });
    }
    await server.stop();
  }
  return curve;
}
