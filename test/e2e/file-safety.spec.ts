import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import sharp from 'sharp';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { FileUrlSigner, InternalTokenService, type InternalGrant } from '@chat/auth';
import { loadConfig } from '@chat/config';
import { ErrorCode, type Message } from '@chat/contracts';
import {
  UPLOAD_CHUNK_BYTES,
  bearerMetadata,
  createFileServiceClient,
  errorCodeOf,
  type FileServiceClient,
  type StoredFile__Output,
} from '@chat/grpc';
import { RedisKeys } from '@chat/redis';
import { OrphanFilesJob } from '../../apps/worker/src/retention/orphan-files.job.js';
import { startWorker } from '../../apps/worker/src/start-worker.js';
import { createRoom, createUser, type TestUser } from '../support/http.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { freePort, waitUntil } from '../../scripts/harness.mjs';
import { startAppProcess, type AppProcess } from '../support/processes.js';
import { connect, type ClientSocket } from '../support/socket.js';

jest.setTimeout(120_000);

/**
 * The file service as strangers meet it, against the built apps as processes: its gRPC port
 * answers only calls with a service token, and acts on the room and uploader the token names;
 * what it stores is checked text or octets, images without their location, names without
 * hidden characters; downloads are attachments; signed links stay out of the logs; and files
 * whose message never got stored are swept (by the worker, through the same gRPC door).
 */
const MARKER = 'WGS-84-MARKER';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let file: AppProcess, api: AppProcess, socketApp: AppProcess;
let grpcAddress: string, storageDir: string;
let mongo: MongoClient, db: Db, redis: Redis;
let client: FileServiceClient;
let alice: TestUser, bob: TestUser;
let roomA: string, roomB: string;
let aliceSocket: ClientSocket;
const tokens = () => new InternalTokenService(loadConfig());
const sign = (grant: InternalGrant, ttlSec?: number) => tokens().sign(grant, 'test', ttlSec);

beforeAll(async () => {
  const mongoUrl = new URL(process.env.MONGO_URL!);
  mongoUrl.pathname = '/chat_file_safety';
  mongo = await MongoClient.connect(mongoUrl.toString());
  db = mongo.db();
  await db.dropDatabase();
  const redisUrl = redisDb(REDIS_DB.fileSafety);
  redis = new Redis(redisUrl);
  await redis.flushdb();

  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  grpcAddress = `127.0.0.1:${grpcPort}`;
  storageDir = mkdtempSync(join(tmpdir(), 'chat-file-safety-'));
  const env = {
    REDIS_URL: redisUrl,
    MONGO_URL: mongoUrl.toString(),
    FILE_GRPC_URL: grpcAddress,
    FILE_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
  };
  // The in-process worker of the sweep test reads the same environment.
  Object.assign(process.env, env);
  file = await startAppProcess('file', {
    ...env,
    FILE_GRPC_PORT: String(grpcPort),
    FILE_HTTP_PORT: String(httpPort),
    FILE_STORAGE_DIR: storageDir,
    LOG_LEVEL: 'info',
  });
  [api, socketApp] = await Promise.all([startAppProcess('api', env), startAppProcess('socket', env)]);
  alice = await createUser(api.url);
  bob = await createUser(api.url);
  roomA = await createRoom(api.url, alice);
  roomB = await createRoom(api.url, bob);
  aliceSocket = await connect(socketApp.url, alice.accessToken);
  expect(await aliceSocket.emitWithAck('room:join', { roomId: roomA })).toEqual({ ok: true });
  client = createFileServiceClient(grpcAddress);
});

afterAll(async () => {
  aliceSocket?.close();
  client?.close();
  await Promise.all([file, api, socketApp].filter(Boolean).map((app) => app.stop()));
  redis?.disconnect();
  await mongo?.close();
});

/** A raw gRPC upload, as anyone who reaches the port could make it. */
function rawUpload(
  data: Buffer,
  metadata: Metadata | undefined,
  body: { name?: string; room_id?: string; uploader_id?: string } = {},
): Promise<{ error: ServiceError | null; stored: StoredFile__Output | undefined }> {
  return new Promise((resolve) => {
    const done = (error: ServiceError | null, stored?: StoredFile__Output) => resolve({ error, stored });
    const call = metadata ? client.Upload(metadata, done) : client.Upload(done);
    call.on('error', () => undefined);
    call.write({ metadata: { name: 'raw.bin', ...body } });
    for (let at = 0; at < data.length; at += UPLOAD_CHUNK_BYTES)
      call.write({ chunk: data.subarray(at, at + UPLOAD_CHUNK_BYTES) });
    call.end();
  });
}

function unary<T>(
  method: 'Delete' | 'Stat',
  id: string,
  metadata?: Metadata,
): Promise<{ error: ServiceError | null; result: T | undefined }> {
  return new Promise((resolve) => {
    const done = (error: ServiceError | null, result?: unknown) => resolve({ error, result: result as T });
    if (method === 'Delete') {
      if (metadata) client.Delete({ id }, metadata, done);
      else client.Delete({ id }, done);
    } else if (metadata) client.Stat({ id }, metadata, done);
    else client.Stat({ id }, done);
  });
}

const stat = (id: string) =>
  unary<StoredFile__Output>('Stat', id, bearerMetadata(sign({ scope: 'stat', fileId: id })));

async function sendFile(name: string, data: Buffer, roomId = roomA): Promise<Message> {
  const ack = await aliceSocket
    .timeout(30_000)
    .emitWithAck('chat:send', { roomId, clientMsgId: randomBytes(6).toString('hex'), file: { name, data } });
  if (!ack.ok) throw new Error(JSON.stringify(ack));
  return ack.message;
}

async function download(url: string) {
  const res = await fetch(url);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

const onDisk = (id: string) =>
  readdirSync(storageDir, { recursive: true, encoding: 'utf8' }).filter((path) => path.includes(id));

describe('the gRPC file service answers only our own apps', () => {
  let stored: StoredFile__Output;

  beforeAll(async () => {
    const upload = await rawUpload(
      Buffer.from('kept\n'),
      bearerMetadata(sign({ scope: 'upload', roomId: roomA, uploaderId: alice.id })),
      { room_id: roomA, uploader_id: alice.id }, // ignored now; what a file app before tokens needed
    );
    if (upload.error || !upload.stored) throw upload.error ?? new Error('no answer');
    stored = upload.stored;
  });

  it('refuses Upload, Delete and Stat without a token: UNAUTHENTICATED, nothing done', async () => {
    const upload = await rawUpload(Buffer.from('hello\n'), undefined, {
      room_id: roomB,
      uploader_id: bob.id,
    });
    expect(upload.error?.code).toBe(status.UNAUTHENTICATED);
    expect(errorCodeOf(upload.error)).toBe(ErrorCode.UNAUTHORIZED);
    expect((await unary('Delete', stored.id)).error?.code).toBe(status.UNAUTHENTICATED);
    expect((await unary('Stat', stored.id)).error?.code).toBe(status.UNAUTHENTICATED);
    expect(onDisk(stored.id)).toHaveLength(1);
    expect(await db.collection('files').countDocuments({ roomId: roomB })).toBe(0);
  });

  it('refuses a forged, foreign-key, expired or non-Bearer token: UNAUTHENTICATED', async () => {
    const foreign = new InternalTokenService(
      loadConfig({ ...process.env, INTERNAL_SERVICE_SECRET: randomBytes(32).toString('hex') }),
    ).sign({ scope: 'delete', fileId: stored.id }, 'test');
    const expired = sign({ scope: 'delete', fileId: stored.id }, -10);
    const access = (await createUser(api.url)).accessToken; // a user's token is not a service token
    for (const token of ['garbage', foreign, expired, access]) {
      expect((await unary('Delete', stored.id, bearerMetadata(token))).error?.code).toBe(
        status.UNAUTHENTICATED,
      );
    }
    const basic = bearerMetadata(sign({ scope: 'delete', fileId: stored.id }));
    basic.set('authorization', `Basic ${sign({ scope: 'delete', fileId: stored.id })}`);
    expect((await unary('Delete', stored.id, basic)).error?.code).toBe(status.UNAUTHENTICATED);
    expect(onDisk(stored.id)).toHaveLength(1);
  });

  it('refuses a valid token of another scope or for another file: PERMISSION_DENIED', async () => {
    const upload = bearerMetadata(sign({ scope: 'upload', roomId: roomA, uploaderId: alice.id }));
    const otherFile = bearerMetadata(sign({ scope: 'delete', fileId: 'f'.repeat(32) }));
    const statToken = bearerMetadata(sign({ scope: 'stat', fileId: stored.id }));
    for (const metadata of [upload, otherFile, statToken]) {
      const { error } = await unary('Delete', stored.id, metadata);
      expect(error?.code).toBe(status.PERMISSION_DENIED);
      expect(errorCodeOf(error)).toBe(ErrorCode.FORBIDDEN);
    }
    const deleteToken = bearerMetadata(sign({ scope: 'delete', fileId: stored.id }));
    expect((await rawUpload(Buffer.from('x\n'), deleteToken)).error?.code).toBe(status.PERMISSION_DENIED);
    expect(onDisk(stored.id)).toHaveLength(1);
  });

  it('stores an upload in the room and under the uploader of its token, whatever the body says', async () => {
    const { error, stored: uploaded } = await rawUpload(
      Buffer.from('into room A\n'),
      bearerMetadata(sign({ scope: 'upload', roomId: roomA, uploaderId: alice.id })),
      { room_id: roomB, uploader_id: bob.id },
    );
    expect(error).toBeNull();
    expect(uploaded).toMatchObject({ room_id: roomA, uploader_id: alice.id });
    expect((await stat(uploaded!.id)).result).toMatchObject({ room_id: roomA, uploader_id: alice.id });
    expect(await db.collection('files').findOne({ _id: uploaded!.id as never })).toMatchObject({
      roomId: roomA,
      uploaderId: alice.id,
    });
    // It is room A's: its member may download it, Bob (of room B only) may not.
    const as = (user: TestUser) =>
      fetch(`${file.url}/files/${uploaded!.id}`, {
        headers: { authorization: `Bearer ${user.accessToken}` },
      });
    expect((await as(alice)).status).toBe(200);
    expect((await as(bob)).status).toBe(404);
  });

  it('deletes with a delete token for that file, and the socket upload path works', async () => {
    const token = bearerMetadata(sign({ scope: 'delete', fileId: stored.id }));
    expect((await unary('Delete', stored.id, token)).result).toEqual({ deleted: true });
    expect(onDisk(stored.id)).toEqual([]);

    const message = await sendFile('hello.txt', Buffer.from('hello over the socket\n'));
    expect(message.file).toMatchObject({ name: 'hello.txt', mime: 'text/plain' });
    const { res, body } = await download(message.file!.url);
    expect(res.status).toBe(200);
    expect(body.toString()).toBe('hello over the socket\n');
    expect((await stat(message.file!.id)).result).toMatchObject({ room_id: roomA, uploader_id: alice.id });
  });
});

describe('what is stored and how it is served', () => {
  it('(a) is text/plain only when the whole file is UTF-8 text, application/octet-stream otherwise', async () => {
    const text = Buffer.from('line of text ✓\n'.repeat(1000)); // well past the 4,100 bytes detection reads
    expect((await sendFile('notes.txt', text)).file?.mime).toBe('text/plain');
    for (const tail of [
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\0'),
    ]) {
      const message = await sendFile('looks-like.txt', Buffer.concat([text, tail]));
      expect(message.file?.mime).toBe('application/octet-stream');
      const { res } = await download(message.file!.url);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
    }
  });

  it('(b) serves every file as an attachment with nosniff, images too (an <img> still shows them)', async () => {
    const image = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } })
      .png()
      .toBuffer();
    const message = await sendFile('red.png', image);
    for (const url of [message.file!.url, message.file!.thumbnailUrl!]) {
      const { res } = await download(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="red\.png(\.webp)?"/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('(c) removes control and bidi characters from names at upload', async () => {
    const message = await sendFile('invoice\u202Efdp.exe\u200B\u0007.txt', Buffer.from('not an exe\n'));
    expect(message.file?.name).toBe('invoicefdp.exe.txt');
    expect((await db.collection('files').findOne({ _id: message.file!.id as never }))?.name).toBe(
      'invoicefdp.exe.txt',
    );
    const { res } = await download(message.file!.url);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="invoicefdp.exe.txt"; filename*=UTF-8''invoicefdp.exe.txt`,
    );
  });

  it('(d) removes the location from a JPEG losslessly, keeps its orientation, and can be turned off', async () => {
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#369' } })
      .jpeg()
      .withExif({
        IFD0: { Make: 'TestCam' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2904/100', GPSMapDatum: MARKER },
      })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const message = await sendFile('photo.jpg', photo);
    const { res, body } = await download(message.file!.url);
    expect(body.includes(MARKER)).toBe(false);
    expect((await sharp(body).metadata()).orientation).toBe(6);
    expect((await sharp(body).raw().toBuffer()).equals(await sharp(photo).raw().toBuffer())).toBe(true);
    // What is served is what was stored: its own size and ETag.
    expect(message.file!.size).toBe(body.length);
    expect(res.headers.get('etag')).toBe(`"${sha256(body)}"`);
    expect(message.file!.thumbnailUrl).toBeDefined();

    // STRIP_IMAGE_METADATA=false: stored as uploaded.
    const grpcPort = await freePort();
    const keeping = await startAppProcess('file', {
      REDIS_URL: process.env.REDIS_URL!,
      MONGO_URL: process.env.MONGO_URL!,
      FILE_GRPC_PORT: String(grpcPort),
      FILE_STORAGE_DIR: storageDir,
      STRIP_IMAGE_METADATA: 'false',
    });
    const other = createFileServiceClient(`127.0.0.1:${grpcPort}`);
    try {
      const stored = await new Promise<StoredFile__Output>((resolve, reject) => {
        const token = bearerMetadata(sign({ scope: 'upload', roomId: roomA, uploaderId: alice.id }));
        const call = other.Upload(token, (error, result) =>
          error || !result ? reject(error) : resolve(result),
        );
        call.write({ metadata: { name: 'photo.jpg' } });
        call.write({ chunk: photo });
        call.end();
      });
      const signer = new FileUrlSigner(loadConfig({ ...process.env, FILE_PUBLIC_URL: keeping.url }));
      expect((await download(signer.url(stored.id))).body.equals(photo)).toBe(true);
    } finally {
      other.close();
      await keeping.stop();
    }
  });

  it('(e) keeps signed links out of the logs', async () => {
    const message = await sendFile('logged.txt', Buffer.from('a line\n'));
    const url = new URL(message.file!.url);
    const sig = url.searchParams.get('sig')!;
    const { res } = await download(url.toString());
    const requestId = res.headers.get('x-request-id')!;
    const line = await logLine(file.logPath, requestId);
    expect(line).toContain(`/files/${message.file!.id}?expires=`);
    expect(line).toContain('sig=[redacted]');
    expect(readFileSync(file.logPath, 'utf8')).not.toContain(sig);
  });
});

/** The file app's log line of one request, once pino has written it. */
function logLine(path: string, requestId: string): Promise<string> {
  return waitUntil(
    () =>
      readFileSync(path, 'utf8')
        .split('\n')
        .find((l) => l.includes(requestId) && l.includes('request completed')),
    { what: `the log line of request ${requestId} in ${path}`, timeoutMs: 5000, intervalMs: 50 },
  );
}

describe('(f) the orphan sweep', () => {
  let worker: INestApplication;

  afterAll(async () => {
    await worker?.close();
  });

  it('deletes files no message refers to after the grace period, also looking in the stream', async () => {
    // Room A's messages stay in the Redis stream: the test holds its drain lease.
    await redis.set(RedisKeys.drainLease(roomA), 'file-safety-test', 'PX', 120_000);
    const orphan = await rawUpload(
      Buffer.from('uploaded, but its message was never stored\n'),
      bearerMetadata(sign({ scope: 'upload', roomId: roomA, uploaderId: alice.id })),
      { room_id: roomA, uploader_id: alice.id },
    );
    if (!orphan.stored) throw orphan.error;
    const inStream = await sendFile('in-the-stream.txt', Buffer.from('still only in Redis\n'));
    const roomC = await createRoom(api.url, alice);
    expect(await aliceSocket.emitWithAck('room:join', { roomId: roomC })).toEqual({ ok: true });
    const inMongo = await sendFile('in-mongo.txt', Buffer.from('drained to MongoDB\n'), roomC);

    process.env.FILE_ORPHAN_GRACE_SEC = '3600';
    worker = await startWorker();
    const messages = db.collection('messages');
    await waitUntil(() => messages.findOne({ 'file.id': inMongo.file!.id }), {
      what: 'the worker to drain room C',
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    expect(await messages.findOne({ 'file.id': inStream.file!.id })).toBeNull();
    const sweep = worker.get(OrphanFilesJob);

    // Within the grace period nothing is touched.
    expect(await sweep.run(new Date())).toEqual({ attached: 0, deleted: 0, skipped: 0 });
    expect(onDisk(orphan.stored.id)).toHaveLength(1);

    // Past it: the orphan goes (through the file service's Delete, with the worker's token), the
    // files of messages in MongoDB and in the stream stay and are marked.
    const later = new Date(Date.now() + 2 * 3600_000);
    const result = await sweep.run(later);
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    expect(onDisk(orphan.stored.id)).toEqual([]);
    const files = db.collection('files');
    expect(await files.findOne({ _id: orphan.stored.id as never })).toBeNull();
    for (const kept of [inStream, inMongo]) {
      expect(onDisk(kept.file!.id)).toHaveLength(1);
      expect((await files.findOne({ _id: kept.file!.id as never }))?.attachedAt).toEqual(expect.any(Date));
      expect((await download(kept.file!.url)).res.status).toBe(200);
    }
    // Marked files are not looked at again; nothing is left to delete.
    expect(await sweep.run(later)).toEqual({ attached: 0, deleted: 0, skipped: 0 });
  });
});
