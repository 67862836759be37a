import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startNginx } from '../support/nginx.js';
import { freePort } from '../../scripts/harness.mjs';
import { machineTool } from '../support/tools.js';

/**
 * The web client's container config (apps/web/nginx.conf.template), run by a real nginx over the
 * built client (dist/web), with the variables filled in as the nginx image's entrypoint does.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const nginxPath = machineTool('nginx');
const env = {
  WEB_API_URL: 'https://api.chat.example',
  WEB_SOCKET_URL: 'https://ws.chat.example',
  MAX_FILE_BYTES: '5242880',
};

let nginx: ChildProcess | undefined;
let url = '';

beforeAll(async () => {
  if (!nginxPath) return;
  const dist = join(ROOT, 'dist', 'web');
  if (!existsSync(join(dist, 'index.html')))
    throw new Error('dist/web is missing: run `npm run build` first');
  const port = await freePort();
  let server = readFileSync(join(ROOT, 'apps', 'web', 'nginx.conf.template'), 'utf8')
    .replace('listen 8080;', `listen 127.0.0.1:${port};`)
    .replace('root /usr/share/nginx/html;', `root ${dist};`);
  for (const [name, value] of Object.entries(env)) server = server.replaceAll(`\${${name}}`, value);
  url = `http://127.0.0.1:${port}`;
  nginx = await startNginx(
    nginxPath,
    (dir) => `pid ${dir}/nginx.pid; events {} http { include /etc/nginx/mime.types; access_log off;
     client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
     uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi; ${server} }`,
    `${url}/config.json`,
  );
});

afterAll(() => {
  nginx?.kill('SIGTERM');
});

(nginxPath ? it : it.skip)('serves the page, its hashed assets and its run-time config', async () => {
  const config = await fetch(`${url}/config.json`);
  expect(config.headers.get('cache-control')).toBe('no-store');
  expect(await config.json()).toEqual({
    apiUrl: env.WEB_API_URL,
    socketUrl: env.WEB_SOCKET_URL,
    maxFileBytes: env.MAX_FILE_BYTES,
  });

  const page = await fetch(`${url}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toBe('no-cache');
  const html = await page.text();
  // Any other path is the page too (a bookmarked #room link, a reload).
  expect(await (await fetch(`${url}/some/where`)).text()).toBe(html);

  const script = readdirSync(join(ROOT, 'dist', 'web', 'assets')).find((name) => name.endsWith('.js'))!;
  expect(html).toContain(`assets/${script}`);
  const asset = await fetch(`${url}/assets/${script}`, { headers: { 'accept-encoding': 'gzip' } });
  expect(asset.status).toBe(200);
  expect(asset.headers.get('content-type')).toMatch(/javascript/);
  expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(asset.headers.get('content-encoding')).toBe('gzip');
  expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404);
});
