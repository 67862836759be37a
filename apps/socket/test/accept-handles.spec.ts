import { createServer, get, type Server as HttpServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { addAcceptHandles } from '../src/transport/accept-handles.js';

/**
 * libuv accepts one connection per listening descriptor per event-loop iteration. With the
 * extra descriptors, connections that wait in the kernel's queue are taken several per
 * iteration, and each is served by the HTTP server as if it had accepted it.
 */
let servers: HttpServer[] = [];
let clients: Socket[] = [];

afterEach(async () => {
  for (const client of clients) client.destroy();
  clients = [];
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
});

async function listening(): Promise<{ server: HttpServer; port: number }> {
  const server = createServer((req, res) => res.end(`hello ${req.url}`));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Connects `count` clients while the loop is held, then counts the accepts of each iteration. */
async function acceptsPerIteration(server: HttpServer, port: number, count: number): Promise<number[]> {
  const perIteration: number[] = [];
  let iteration = 0;
  server.on('connection', () => (perIteration[iteration] = (perIteration[iteration] ?? 0) + 1));
  for (let i = 0; i < count; i++) clients.push(connect(port, '127.0.0.1').on('error', () => undefined));
  // Hold the loop (as a busy server does) while the kernel completes the handshakes.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  let accepted = 0;
  while (accepted < count) {
    await new Promise((resolve) => setImmediate(resolve));
    accepted = perIteration.reduce((sum, n) => sum + (n ?? 0), 0);
    iteration++;
  }
  return perIteration.filter((n) => n !== undefined);
}

function fetchText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('addAcceptHandles', () => {
  it('without extra descriptors, one connection is accepted per iteration', async () => {
    const { server, port } = await listening();
    await expect(addAcceptHandles(server, 1)).resolves.toBe(1);
    expect(await acceptsPerIteration(server, port, 8)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('with 4 descriptors, up to 4 waiting connections are accepted per iteration', async () => {
    const { server, port } = await listening();
    await expect(addAcceptHandles(server, 4)).resolves.toBe(4);
    expect(await acceptsPerIteration(server, port, 8)).toEqual([4, 4]);
  });

  it('connections taken by the extra descriptors are served by the server', async () => {
    const { server, port } = await listening();
    await addAcceptHandles(server, 3);
    const bodies = await Promise.all(Array.from({ length: 12 }, (_, i) => fetchText(port, `/${i}`)));
    expect(bodies).toEqual(Array.from({ length: 12 }, (_, i) => `hello /${i}`));
  });

  it("the server's close() stops every descriptor accepting", async () => {
    const { server, port } = await listening();
    await addAcceptHandles(server, 4);
    await new Promise((resolve) => server.close(resolve));
    servers = [];
    // The kernel refuses only once no descriptor of the socket is left open.
    await expect(fetchText(port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
