import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { ChatClient } from '@chat/client';
import { ErrorCode, type Message } from '@chat/contracts';
import { createRoom, createRoomWith, createUser, type TestUser } from '../support/http.js';
import { freePort, waitUntil } from '../../scripts/harness.mjs';
import { startAppProcess, type AppProcess } from '../support/processes.js';
import { connect, type ClientSocket } from '../support/socket.js';

/**
 * Files larger than one socket message, as a client uploads them: file:begin, file:chunk ×N
 * (each acked once it is on its way to the file service), chat:send with the uploadId. An
 * interrupted upload resumes after a reconnect; an abandoned one is forgotten; bad chunks get
 * clear codes; the SDK does all of it with progress from the acks. Real api, file and socket
 * processes.
 */
const CHUNK = 64 * 1024;

let api: AppProcess, file: AppProcess, socketApp: AppProcess;
let alice: TestUser, bob: TestUser;
let roomId: string;
/** The settings every app of this file runs with. */
let linked: Record<string, string>;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  const grpcPort = await freePort();
  const env = {
    FILE_GRPC_URL: `127.0.0.1:${grpcPort}`,
    UPLOAD_CHUNK_BYTES: String(CHUNK),
    UPLOAD_IDLE_TIMEOUT_SEC: '3',
    MAX_FILE_BYTES: String(4 * 1024 * 1024),
  };
  file = await startAppProcess('file', { ...env, FILE_GRPC_PORT: String(grpcPort) });
  linked = { ...env, FILE_PUBLIC_URL: file.url };
  [api, socketApp] = await Promise.all([startAppProcess('api', linked), startAppProcess('socket', linked)]);
  [alice, bob] = [await createUser(api.url), await createUser(api.url)];
  roomId = await createRoom(api.url, alice);
}, 120_000);

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

afterAll(async () => {
  await Promise.all([socketApp, api, file].map((app) => app?.stop()));
});

async function open(user: TestUser): Promise<ClientSocket> {
  const socket = await connect(socketApp.url, user.accessToken);
  sockets.push(socket);
  return socket;
}

type AnyAck = { ok: boolean; error?: { code: string }; [key: string]: unknown };
const emit = (socket: ClientSocket, event: string, payload: object) =>
  (socket as unknown as { emitWithAck(e: string, p: object): Promise<AnyAck> }).emitWithAck(event, payload);

/** Sends chunks of `data` from `from` to `to`, three at a time, as the contract suggests. */
async function sendChunks(socket: ClientSocket, uploadId: string, data: Buffer, from: number, to: number) {
  const acks: AnyAck[] = [];
  for (let offset = from; offset < to; offset += 3 * CHUNK) {
    const batch = [];
    for (let at = offset; at < Math.min(to, offset + 3 * CHUNK); at += CHUNK)
      batch.push(emit(socket, 'file:chunk', { uploadId, offset: at, data: data.subarray(at, at + CHUNK) }));
    acks.push(...(await Promise.all(batch)));
  }
  return acks;
}

async function download(message: Message): Promise<Buffer> {
  const res = await fetch(message.file!.url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

it('uploads a file in chunks, each acked with the bytes received, then sends it', async () => {
  const data = randomBytes(1024 * 1024 + 12345);
  const socket = await open(alice);
  const begun = await emit(socket, 'file:begin', { roomId, name: 'data.bin', size: data.length });
  expect(begun).toEqual({ ok: true, uploadId: expect.any(String), chunkSize: CHUNK, received: 0 });
  const uploadId = begun.uploadId as string;
  const acks = await sendChunks(socket, uploadId, data, 0, data.length);
  expect(acks.every((ack) => ack.ok)).toBe(true);
  expect(acks.at(-1)).toEqual({ ok: true, received: data.length });
  const sent = await emit(socket, 'chat:send', {
    roomId,
    clientMsgId: 'chunked-1',
    content: 'here',
    uploadId,
  });
  expect(sent).toMatchObject({
    ok: true,
    message: { content: 'here', file: { name: 'data.bin', size: data.length } },
  });
  expect((await download(sent.message as Message)).equals(data)).toBe(true);
  // The upload is spent; a retry of the send gets the original message back.
  const again = await emit(socket, 'chat:send', { roomId, clientMsgId: 'chunked-1', uploadId });
  const original = sent.message as Message;
  expect(again).toMatchObject({ ok: true, message: { id: original.id, file: { id: original.file!.id } } });
  expect(await emit(socket, 'file:begin', { uploadId })).toMatchObject({
    ok: false,
    error: { code: 'NOT_FOUND' },
  });
});

it('resumes an interrupted upload after a reconnect, from the bytes received', async () => {
  const data = randomBytes(10 * CHUNK + 99);
  const first = await open(alice);
  const uploadId = (await emit(first, 'file:begin', { roomId, name: 'r.bin', size: data.length }))
    .uploadId as string;
  await sendChunks(first, uploadId, data, 0, 6 * CHUNK);
  first.disconnect();
  const second = await open(alice);
  expect(await emit(second, 'file:begin', { uploadId })).toEqual({
    ok: true,
    uploadId,
    chunkSize: CHUNK,
    received: 6 * CHUNK,
  });
  await sendChunks(second, uploadId, data, 6 * CHUNK, data.length);
  const sent = await emit(second, 'chat:send', { roomId, clientMsgId: 'resumed', uploadId });
  expect(sent.ok).toBe(true);
  expect((await download(sent.message as Message)).equals(data)).toBe(true);
});

it('answers bad chunks, foreign uploads and early sends with clear codes, keeping the upload', async () => {
  const data = randomBytes(3 * CHUNK);
  const socket = await open(alice);
  expect(await emit(socket, 'file:begin', { roomId, name: 'big', size: 5 * 1024 * 1024 })).toMatchObject({
    ok: false,
    error: { code: ErrorCode.FILE_TOO_LARGE },
  });
  const stranger = await open(bob);
  expect(await emit(stranger, 'file:begin', { roomId, name: 'x', size: 10 })).toMatchObject({
    ok: false,
    error: { code: ErrorCode.FORBIDDEN },
  });
  const uploadId = (await emit(socket, 'file:begin', { roomId, name: 'e.bin', size: data.length }))
    .uploadId as string;
  const wrongOffset = await emit(socket, 'file:chunk', { uploadId, offset: 5, data: data.subarray(0, 10) });
  expect(wrongOffset).toMatchObject({
    ok: false,
    error: { code: ErrorCode.VALIDATION, message: expect.stringContaining('offset must be 0') },
  });
  const tooBig = await emit(socket, 'file:chunk', { uploadId, offset: 0, data: randomBytes(CHUNK + 1) });
  expect(tooBig).toMatchObject({ ok: false, error: { code: ErrorCode.VALIDATION } });
  expect(
    await emit(stranger, 'file:chunk', { uploadId, offset: 0, data: data.subarray(0, 10) }),
  ).toMatchObject({
    ok: false,
    error: { code: ErrorCode.NOT_FOUND },
  });
  expect(await emit(stranger, 'file:begin', { uploadId })).toMatchObject({
    ok: false,
    error: { code: ErrorCode.NOT_FOUND },
  });
  await sendChunks(socket, uploadId, data, 0, CHUNK);
  expect(await emit(socket, 'chat:send', { roomId, clientMsgId: 'early', uploadId })).toMatchObject({
    ok: false,
    error: { code: ErrorCode.VALIDATION, message: expect.stringContaining('incomplete') },
  });
  // None of that broke the upload.
  await sendChunks(socket, uploadId, data, CHUNK, data.length);
  expect((await emit(socket, 'chat:send', { roomId, clientMsgId: 'early', uploadId })).ok).toBe(true);
  // One upload is one message: another clientMsgId cannot send it again.
  expect(await emit(socket, 'chat:send', { roomId, clientMsgId: 'again', uploadId })).toMatchObject({
    ok: false,
  });
});

it('sends one upload as one message, whatever two sends race for it', async () => {
  const data = randomBytes(2 * CHUNK);
  const socket = await open(alice);
  const uploadId = (await emit(socket, 'file:begin', { roomId, name: 'once.bin', size: data.length }))
    .uploadId as string;
  await sendChunks(socket, uploadId, data, 0, data.length);
  const [one, two] = await Promise.all([
    emit(socket, 'chat:send', { roomId, clientMsgId: 'race-1', uploadId }),
    emit(socket, 'chat:send', { roomId, clientMsgId: 'race-2', uploadId }),
  ]);
  expect([one.ok, two.ok].sort()).toEqual([false, true]);
  expect((one.ok ? two : one).error!.code).toBe(ErrorCode.CONFLICT);
});

it('forgets an abandoned upload after its idle timeout', async () => {
  const socket = await open(alice);
  const uploadId = (await emit(socket, 'file:begin', { roomId, name: 'a.bin', size: 5 * CHUNK }))
    .uploadId as string;
  await sendChunks(socket, uploadId, randomBytes(5 * CHUNK), 0, CHUNK);
  await waitUntil(async () => (await emit(socket, 'file:begin', { uploadId })).ok === false, {
    what: 'the abandoned upload to be forgotten',
    timeoutMs: 30_000,
    intervalMs: 500,
  });
});

it('lets the SDK upload a large file with progress from the acks', async () => {
  const client = new ChatClient({ url: socketApp.url, token: alice.accessToken, pingIntervalMs: 0 });
  try {
    await client.connect();
    const data = randomBytes(700 * 1024);
    const progress: number[] = [];
    const message = await client.send(roomId, {
      content: 'from the SDK',
      file: { name: 'sdk.bin', data },
      onProgress: ({ sentBytes }) => progress.push(sentBytes),
    });
    expect(message.file).toMatchObject({ name: 'sdk.bin', size: data.length });
    expect((await download(message)).equals(data)).toBe(true);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(data.length);
    expect(progress.length).toBeGreaterThan(5);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  } finally {
    client.close();
  }
});

it('acks a chunk only once the file service has taken it: a service that takes nothing gets four', async () => {
  // Accepts connections, then neither reads nor answers: the gRPC call never gets going.
  const held: Socket[] = [];
  const blackHole = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const { port } = blackHole.address() as AddressInfo;
  const stuck = await startAppProcess('socket', { ...linked, FILE_GRPC_URL: `127.0.0.1:${port}` });
  try {
    const socket = await connect(stuck.url, alice.accessToken);
    sockets.push(socket);
    const data = randomBytes(8 * CHUNK);
    const uploadId = (await emit(socket, 'file:begin', { roomId, name: 'held.bin', size: data.length }))
      .uploadId as string;
    const acked: number[] = [];
    for (let i = 0; i < 4; i++) {
      const offset = i * CHUNK;
      void emit(socket, 'file:chunk', { uploadId, offset, data: data.subarray(offset, offset + CHUNK) }).then(
        () => acked.push(i),
        () => undefined, // the instance stops with these unanswered
      );
    }
    // The fifth finds four queued: refused at once. Acks of the four, had they been sent on
    // arrival, would have come before this one.
    const fifth = await emit(socket, 'file:chunk', {
      uploadId,
      offset: 4 * CHUNK,
      data: data.subarray(0, CHUNK),
    });
    expect(fifth).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
    expect(acked).toEqual([]);
  } finally {
    await stuck.stop();
    for (const socket of held) socket.destroy();
    blackHole.close();
  }
});

it('takes at most MAX_UPLOADS_PER_INSTANCE uploads at once on an instance', async () => {
  const small = await startAppProcess('socket', { ...linked, MAX_UPLOADS_PER_INSTANCE: '2' });
  try {
    const shared = await createRoomWith(api.url, alice, [bob]);
    const [first, second] = [
      await connect(small.url, alice.accessToken),
      await connect(small.url, bob.accessToken),
    ];
    sockets.push(first, second);
    const data = randomBytes(2 * CHUNK);
    const begin = (socket: ClientSocket, name: string) =>
      emit(socket, 'file:begin', { roomId: shared, name, size: data.length });
    const one = await begin(first, 'one.bin');
    expect((await begin(second, 'two.bin')).ok).toBe(true);
    expect(await begin(second, 'three.bin')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.RATE_LIMITED, message: expect.stringContaining('too many uploads') },
    });
    // An upload sent frees its place.
    const uploadId = one.uploadId as string;
    await sendChunks(first, uploadId, data, 0, data.length);
    expect((await emit(first, 'chat:send', { roomId: shared, clientMsgId: 'capped', uploadId })).ok).toBe(
      true,
    );
    expect((await begin(second, 'three.bin')).ok).toBe(true);
  } finally {
    await small.stop();
  }
});
