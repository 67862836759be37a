import { spawn } from 'node:child_process';
import type { Server as HttpServer } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * Runs in a short-lived helper process: it is handed the listening socket's handle and sends it
 * back `copies` times. Each transfer (SCM_RIGHTS) arrives as a new descriptor of the same
 * socket; Node has no dup() of its own. The helper never listens on it, so it accepts nothing.
 * (`on`, not `once`: without a 'message' listener the channel stops holding the helper open,
 * and it would exit before the parent acknowledged the first copy.)
 */
const HELPER = `process.on('message', (copies, handle) => {
  for (let i = 0; i < copies; i++) process.send('copy', handle);
  process.send('done', () => { handle.close(); process.disconnect(); });
});`;

const HELPER_TIMEOUT_MS = 5000;

/** The libuv handle behind a listening net.Server (what Node's IPC transfers). */
interface ListeningHandle {
  close(): void;
}

/**
 * More descriptors of `server`'s listening socket, each a listener of its own whose connections
 * the server handles as its own: `total` in all, counting the server's.
 *
 * Why: since 1.46 (Node 20) libuv accepts one connection per listening descriptor per event-loop
 * iteration (libuv#3696). Under load an iteration of the socket app takes tens of milliseconds,
 * so a storm of connects (arrivals while every client sends, or everyone reconnecting after a
 * deploy) was admitted at a few dozen a second, overflowed the kernel's accept queue and made
 * clients retry their SYN for seconds. With N descriptors each iteration accepts up to N.
 *
 * The server's close() closes them too. Resolves with how many listen in all.
 */
export async function addAcceptHandles(server: HttpServer, total: number): Promise<number> {
  const copies = total - 1;
  // `_handle` is documented as what server.listen(handle) takes; Node's own cluster sends it too.
  const handle = (server as unknown as { _handle?: ListeningHandle })._handle;
  if (copies < 1 || !handle) return 1;
  const received = await receiveCopies(handle, copies);
  const listeners = received.map((copy) => {
    const listener = new NetServer({ noDelay: true });
    // Connections go to the HTTP server (socket.io, /health) exactly as if it had accepted them.
    listener.on('connection', (socket: Socket) => server.emit('connection', socket));
    listener.on('error', (error) => server.emit('error', error));
    listener.listen(copy);
    return listener;
  });
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const listener of listeners) if (listener.listening) listener.close();
    return close(callback);
  };
  return total;
}

/** The copies, once the helper is gone (so no descriptor of the socket is left in it). */
function receiveCopies(handle: ListeningHandle, copies: number): Promise<object[]> {
  const helper = spawn(process.execPath, ['-e', HELPER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const received: object[] = [];
  return new Promise<object[]>((resolve, reject) => {
    let exited = false;
    let disconnected = false;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      helper.kill();
      for (const copy of received) (copy as ListeningHandle).close();
      reject(error);
    };
    // Every message has been read once the channel is closed; 'exit' can come before that.
    const settle = () => {
      if (!exited || !disconnected || settled) return;
      if (received.length < copies) return fail(new Error('the accept-handle helper left early'));
      settled = true;
      clearTimeout(timer);
      resolve(received);
    };
    const timer = setTimeout(
      () => fail(new Error('the accept-handle helper did not answer')),
      HELPER_TIMEOUT_MS,
    );
    helper.on('message', (message, copy) => {
      if (message === 'copy' && copy) received.push(copy);
    });
    helper.once('error', fail);
    helper.once('exit', () => {
      exited = true;
      settle();
    });
    helper.once('disconnect', () => {
      disconnected = true;
      settle();
    });
    helper.send(copies, handle as never);
  });
}
