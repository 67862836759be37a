import { jest } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG_1X1 } from '../support/files.js';
import { startNginx } from '../support/nginx.js';
import { machineTool } from '../support/tools.js';
import { createRoomWith, createUser, http } from '../support/http.js';
import { sendMessages } from '../support/load.js';
import { startAppProcess, type AppProcess } from '../support/processes.js';
import { freePort } from '../../scripts/harness.mjs';
import { collect, connect, type ClientSocket } from '../support/socket.js';

jest.setTimeout(90_000);

/**
 * The compose file's proxy (deploy/nginx/nginx.conf), run by a real nginx in front of the api,
 * two socket instances (as `--scale socket=2` resolves) and the file app: the contract's three
 * ports work through it, websocket and long-polling alike, and carry nothing meant for operators,
 * which the ops port serves instead.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const nginxPath = machineTool('nginx');

let apps: AppProcess[] = [];
let nginx: ChildProcess | undefined;
const sockets: ClientSocket[] = [];
const ports = { api: 0, socket: 0, file: 0, ops: 0 };

beforeAll(async () => {
  if (!nginxPath) return;
  const grpcPort = String(await freePort());
  const file = await startAppProcess('file', { FILE_GRPC_PORT: grpcPort });
  const withFile = { FILE_GRPC_URL: `127.0.0.1:${grpcPort}` };
  const [api, socketA, socketB] = await Promise.all([
    startAppProcess('api'),
    startAppProcess('socket', withFile),
    startAppProcess('socket', withFile),
  ]);
  apps = [file, api!, socketA!, socketB!];
  for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort();

  // The compose config, with the compose service names and ports swapped for this machine's.
  const port = (app: AppProcess) => new URL(app.url).port;
  nginx = await startNginx(
    nginxPath,
    (dir) =>
      readFileSync(join(ROOT, 'deploy', 'nginx', 'nginx.conf'), 'utf8')
        .replaceAll('/tmp/', `${dir}/`)
        .replace('server api:3000;', `server 127.0.0.1:${port(api!)};`)
        .replace('server file:3002;', `server 127.0.0.1:${port(file)};`)
        .replace(
          'server socket:3001 max_fails=0;',
          `server 127.0.0.1:${port(socketA!)} max_fails=0; server 127.0.0.1:${port(socketB!)} max_fails=0;`,
        )
        .replace('listen 3000;', `listen 127.0.0.1:${ports.api};`)
        .replace('listen 3001;', `listen 127.0.0.1:${ports.socket};`)
        .replace('listen 3002;', `listen 127.0.0.1:${ports.file};`)
        .replace('listen 9080;', `listen 127.0.0.1:${ports.ops};`),
    `http://127.0.0.1:${ports.api}/health`,
  );
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  nginx?.kill('SIGTERM');
  await Promise.all(apps.map((app) => app.stop()));
});

(nginxPath ? it : it.skip)(
  'serves REST, socket.io (websocket and polling) and files on the contract ports',
  async () => {
    const api = `http://127.0.0.1:${ports.api}`;
    const socketUrl = `http://127.0.0.1:${ports.socket}`;
    const alice = await createUser(api);
    const bob = await createUser(api);
    const roomId = await createRoomWith(api, alice, [bob]);
    // The request's correlation id is nginx's $request_id, echoed back by the api.
    const rooms = await fetch(`${api}/rooms`, { headers: { authorization: `Bearer ${alice.accessToken}` } });
    expect(rooms.status).toBe(200);
    expect(rooms.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);

    // Long-polling needs every request of a session on one instance: the proxy's hash does that.
    const aliceSocket = await connect(socketUrl, alice.accessToken, ['polling']);
    const bobSocket = await connect(socketUrl, bob.accessToken);
    sockets.push(aliceSocket, bobSocket);
    const toBob = collect(bobSocket);
    for (const socket of [aliceSocket, bobSocket])
      expect(await socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });

    // One at a time: the delivery order below is then the send order.
    const { acked: sent, failures } = await sendMessages(aliceSocket, roomId, 'p', 20, { inFlight: 1 });
    expect(failures).toEqual({});
    const withFile = await aliceSocket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'p-file',
      file: { name: 'dot.png', data: PNG_1X1 },
    });
    if (!withFile.ok) throw new Error(JSON.stringify(withFile));
    await toBob.waitFor(21);
    expect(toBob.received.map((m) => m.id)).toEqual([...sent, withFile.message].map((m) => m.id));

    // The file link as a browser would follow it, through the proxy's file port.
    const link = new URL(withFile.message.file!.url);
    const download = await fetch(`http://127.0.0.1:${ports.file}${link.pathname}${link.search}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG_1X1);

    const history = await http(api, 'GET', `/rooms/${roomId}/messages?limit=100`, { token: bob.accessToken });
    expect(history.body.items).toHaveLength(21);
  },
);

(nginxPath ? it : it.skip)(
  'answers 404 on the public ports for metrics, admin, API documents and health details; the ops port serves them',
  async () => {
    const api = `http://127.0.0.1:${ports.api}`;
    const ops = `http://127.0.0.1:${ports.ops}`;
    const alice = await createUser(api);
    const bearer = { authorization: `Bearer ${alice.accessToken}` };
    const notFound = { statusCode: 404, message: 'Not Found', error: 'Not Found' };
    const hidden = ['/metrics', '/admin/stats', '/docs', '/docs/', '/docs-json', '/health/details'];
    // Express matches routes case-insensitively and nginx decodes before matching: neither way in.
    const disguised = ['/METRICS', '/Admin/stats', '/%61dmin/stats', '//docs-json', '/health//details'];
    for (const port of [ports.api, ports.socket, ports.file])
      for (const path of [...hidden, ...(port === ports.file ? [] : disguised)]) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: bearer });
        expect({ port, path, status: res.status }).toEqual({ port, path, status: 404 });
        expect(await res.json()).toEqual(notFound);
      }

    // Public health is the verdict alone; the chat routes are untouched.
    for (const port of [ports.api, ports.socket]) {
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect({ port, status: health.status, body: await health.json() }).toEqual({
        port,
        status: 200,
        body: { status: 'ok' },
      });
    }
    expect((await fetch(`${api}/rooms`, { headers: bearer })).status).toBe(200);

    // The ops port: the api whole, for the allow-listed networks (loopback here).
    expect((await fetch(`${ops}/docs-json`)).status).toBe(200);
    expect(await fetch(`${ops}/docs`).then((r) => r.text())).toContain('swagger-ui');
    expect((await fetch(`${ops}/admin/stats`, { headers: bearer })).status).toBe(403);
    expect(await fetch(`${ops}/metrics`).then((r) => r.text())).toContain('{app="api"}');
    const details = await http(ops, 'GET', '/health/details');
    expect(details).toMatchObject({
      status: 200,
      body: { status: 'ok', details: { redis: { status: 'up' }, mongodb: { status: 'up' } } },
    });
  },
);
