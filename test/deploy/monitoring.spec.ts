import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chatDashboard } from '../../deploy/grafana/chat-dashboard.js';
import { machineTool } from '../support/tools.js';

/**
 * The monitoring files are checked by their own tools: promtool for the Prometheus config and
 * alert rules (including rule unit tests), docker-compose for every profile, Grafana's schema
 * (through tsc, on chat-dashboard.ts) for the dashboard. And every series they query exists.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');
const DASHBOARD_JSON = join(DEPLOY, 'grafana', 'dashboards', 'chat.json');

const run = (command: string, args: string[], cwd = ROOT) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('Grafana dashboard', () => {
  it('is the typed definition in deploy/grafana/chat-dashboard.ts (UPDATE_GENERATED=1 rewrites it)', () => {
    const generated = JSON.stringify(chatDashboard, null, 2) + '\n';
    if (process.env.UPDATE_GENERATED) writeFileSync(DASHBOARD_JSON, generated);
    expect(JSON.parse(readFileSync(DASHBOARD_JSON, 'utf8'))).toEqual(JSON.parse(generated));
  });
});

describe('Prometheus', () => {
  const promtool = machineTool('promtool');
  (promtool ? it : it.skip)(
    'config and alert rules pass promtool, and the rules fire in its unit tests',
    () => {
      const dir = join(DEPLOY, 'prometheus');
      expect(run(promtool!, ['check', 'config', '--syntax-only', 'prometheus.yml'], dir)).toContain(
        'SUCCESS',
      );
      expect(run(promtool!, ['check', 'rules', 'alerts.yml'], dir)).toMatch(/SUCCESS: \d+ rules found/);
      expect(run(promtool!, ['test', 'rules', 'alerts.test.yml'], dir)).toContain('SUCCESS');
    },
  );

  it('queries only series the apps export', () => {
    const exported = exportedMetricNames();
    const queries = [
      ...readFileSync(join(DEPLOY, 'prometheus', 'alerts.yml'), 'utf8')
        .split('\n')
        .filter((line) => /^\s+expr:|^\s{10}\S/.test(line)),
      ...JSON.stringify(chatDashboard).match(/"expr":"(?:[^"\\]|\\.)*"/g)!,
    ].join('\n');
    const used = new Set(queries.match(/\b(?:chat|http|process|nodejs)_[a-z0-9_]+/g));
    expect(used.size).toBeGreaterThan(15);
    const unknown = [...used].filter((name) => !exported.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(unknown).toEqual([]);
  });
});

describe('docker compose', () => {
  const compose = machineTool('docker-compose');
  (compose ? it : it.skip)('passes `docker compose config` for every profile', () => {
    for (const profiles of [[], ['monitoring'], ['tracing'], ['monitoring', 'tracing']]) {
      const args = [...profiles.flatMap((p) => ['--profile', p]), 'config', '-q'];
      expect(() => run(compose!, args)).not.toThrow();
    }
    const services = run(compose!, [
      '--profile',
      'monitoring',
      '--profile',
      'tracing',
      'config',
      '--services',
    ]);
    expect(services.split('\n').filter(Boolean).sort()).toEqual([
      'api',
      'file',
      'grafana',
      'jaeger',
      'mongo',
      'prometheus',
      'proxy',
      'redis',
      'secrets-init',
      'socket',
      'web',
      'worker',
    ]);
  });
});

/** Metric names registered in the code (counter/gauge/histogram calls), plus prom-client's defaults. */
function exportedMetricNames(): Set<string> {
  const names = new Set([
    'process_resident_memory_bytes',
    'process_cpu_seconds_total',
    'nodejs_eventloop_lag_p99_seconds',
    'http_requests_total',
    'http_request_duration_seconds',
  ]);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(join(dir, entry.name))
        : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')
          ? [join(dir, entry.name)]
          : [],
    );
  for (const file of [...walk(join(ROOT, 'apps')), ...walk(join(ROOT, 'libs'))])
    for (const [, name] of readFileSync(file, 'utf8').matchAll(
      /\.(?:counter|gauge|histogram)\(\s*'([a-z0-9_]+)'/g,
    ))
      names.add(name!);
  return names;
}
