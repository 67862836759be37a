// `npm start [-- app...]`: install what is missing, build, make sure Redis and MongoDB are
// reachable (starting local ones where it can), then run the apps in the foreground, and serve
// the web client (apps/web, built) with `vite preview`.
// A process that crashes is logged and restarted with backoff while the others keep serving
// (scripts/supervisor.mjs). Ctrl-C or SIGTERM stops the apps, then whatever infrastructure this
// run started. Logs are readable in a terminal and JSON lines otherwise (scripts/log-lines.mjs).
import { join } from 'node:path';
import { build, ensureDeps } from './ensure-deps.mjs';
import { APPS, ROOT_DIR, appEntry, nodeFlags } from './paths.mjs';
import { stopOnSignals, supervise } from './supervisor.mjs';
import { answers, waitUntil } from './harness.mjs';
import { treeState, warnOfChanges } from './git-tree.mjs';

const selected = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
for (const app of selected) {
  if (!APPS.includes(app) && app !== 'web') {
    console.error(`unknown app "${app}"; choose from ${[...APPS, 'web'].join(', ')}`);
    process.exit(2);
  }
}
const apps = selected.length ? selected.filter((app) => app !== 'web') : APPS;
const serveWeb = !selected.length || selected.includes('web');

const tree = treeState();
ensureDeps();
build();
const { ensureInfra } = await import('./infra.mjs');
const { createLogWriter } = await import('./log-lines.mjs');
const infra = await ensureInfra();

const env = { ...process.env, REDIS_URL: infra.redisUrl, MONGO_URL: infra.mongoUrl };
const ports = {
  api: process.env.API_PORT || 3000,
  socket: process.env.SOCKET_PORT || 3001,
  file: process.env.FILE_HTTP_PORT || 3002,
  worker: process.env.WORKER_PORT || 3003,
  web: process.env.WEB_PORT || 8080,
};
// The page finds the api and socket apps through its /config.json (see apps/web/vite.config.ts).
const programs = Object.fromEntries(
  apps.map((app) => [
    app,
    { command: process.execPath, args: ['--enable-source-maps', ...nodeFlags(app), appEntry(app)] },
  ]),
);
if (serveWeb) {
  programs.web = {
    command: process.execPath,
    args: [
      join(ROOT_DIR, 'node_modules', 'vite', 'bin', 'vite.js'),
      'preview',
      '--config',
      'apps/web/vite.config.ts',
    ],
  };
  env.WEB_PORT = String(ports.web);
  // Unset, the page uses its own hostname with ports 3000 and 3001, which also works from another machine.
  if (process.env.API_PORT) env.WEB_API_URL ||= `http://127.0.0.1:${ports.api}`;
  if (process.env.SOCKET_PORT) env.WEB_SOCKET_URL ||= `http://127.0.0.1:${ports.socket}`;
}

const log = createLogWriter();
const supervisor = supervise(programs, { cwd: ROOT_DIR, env, line: log.line, event: log.event });
stopOnSignals(supervisor, { after: infra.stop, event: log.event });

// Tell the user where things are once they answer.
const pending = new Set(apps);
await waitUntil(
  async () => {
    for (const app of [...pending])
      if (await answers(`http://127.0.0.1:${ports[app]}/health`)) pending.delete(app);
    return pending.size === 0 || supervisor.stopping;
  },
  { what: 'the apps to answer', timeoutMs: 60_000, intervalMs: 300 },
).catch(() => {}); // reported below
if (!supervisor.stopping) {
  // Installing, building, starting the databases and the apps must not change the checkout.
  warnOfChanges(tree, 'npm start');
  if (pending.size) console.warn(`[start] not healthy after 60 s: ${[...pending].join(', ')}`);
  console.log('[start] ready:');
  if (apps.includes('api'))
    console.log(`[start]   REST api     http://127.0.0.1:${ports.api}  (Swagger: /docs)`);
  if (apps.includes('socket')) console.log(`[start]   socket.io    http://127.0.0.1:${ports.socket}`);
  if (apps.includes('file')) console.log(`[start]   file         http://127.0.0.1:${ports.file}`);
  if (apps.includes('worker')) console.log(`[start]   worker       http://127.0.0.1:${ports.worker}/metrics`);
  if (serveWeb)
    console.log(`[start]   web client   http://127.0.0.1:${ports.web}  <- open this in a browser`);
}
