import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Message } from '@chat/contracts';
import { createRoom, createUser, fullHistory } from '../support/http.js';
import { PNG_1X1 } from '../support/files.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { OtlpCollector, type CollectedSpan } from '../support/otlp-collector.js';
import { freePort } from '../../scripts/harness.mjs';
import { startAppProcess, type AppProcess } from '../support/processes.js';
import { connect, collect, type ClientSocket } from '../support/socket.js';

jest.setTimeout(120_000);

/**
 * One trace per message, across the four apps, exported over OTLP to a collector: the socket's
 * chat:send, the gRPC upload into the file app, the XADD, and the worker's persist step with the
 * batch's MongoDB insert. The trace id is also the message's correlation id in the logs.
 */
const collector = new OtlpCollector();
let apps: AppProcess[] = [];
let socket: ClientSocket | undefined;

beforeAll(async () => {
  await collector.start();
  const env = {
    REDIS_URL: redisDb(REDIS_DB.tracing),
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    LOG_LEVEL: 'info',
  };
  const grpcPort = String(await freePort());
  const file = await startAppProcess('file', { ...env, FILE_GRPC_PORT: grpcPort });
  const others = ['api', 'socket', 'worker'].map((name) =>
    startAppProcess(name, { ...env, FILE_GRPC_URL: `127.0.0.1:${grpcPort}` }),
  );
  apps = [file, ...(await Promise.all(others))];
});

afterAll(async () => {
  socket?.close();
  await Promise.all(apps.map((app) => app.stop()));
  await collector.stop();
});

it('follows a file message from the socket through gRPC, Redis and the worker to MongoDB in one trace', async () => {
  const [file, api, socketApp] = apps as [AppProcess, AppProcess, AppProcess, AppProcess];
  const alice = await createUser(api.url);
  const roomId = await createRoom(api.url, alice);
  socket = await connect(socketApp.url, alice.accessToken);
  const received = collect(socket);
  expect(await socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  const ack = await socket.emitWithAck('chat:send', {
    roomId,
    clientMsgId: 'traced-file',
    file: { name: 'dot.png', data: PNG_1X1 },
  });
  if (!ack.ok) throw new Error(JSON.stringify(ack));
  await received.waitFor(1);

  const persistOf = (spans: CollectedSpan[]) =>
    spans.find((s) => s.name === 'chat.persist' && s.attributes['chat.message_id'] === ack.message.id);
  await collector.waitFor((spans) => persistOf(spans) !== undefined);
  const traceId = persistOf(collector.spans)!.traceId;
  await collector.waitFor((spans) => spans.filter((s) => s.traceId === traceId).length >= 4);
  const trace = collector.spans.filter((s) => s.traceId === traceId);
  const byName = (name: string | RegExp) =>
    trace.find((s) => (typeof name === 'string' ? s.name === name : name.test(s.name)));

  const send = byName('chat:send')!;
  expect(send).toMatchObject({ service: 'chat-socket', attributes: { 'chat.message_id': ack.message.id } });
  expect(send.parentSpanId ?? '').toBe('');
  // The upload: a gRPC client span in the socket app, its server span in the file app, which
  // stores the file's record in MongoDB inside it.
  const fileServer = trace.find((s) => s.service === 'chat-file' && /FileService\/Upload/.test(s.name))!;
  expect(trace.some((s) => s.parentSpanId === fileServer.spanId && /insert files/.test(s.name))).toBe(true);
  const upload = trace.filter((s) => /FileService\/Upload/.test(s.name));
  expect(upload.map((s) => s.service).sort()).toEqual(['chat-file', 'chat-socket']);
  // The atomic append is an EVALSHA (or EVAL) under chat:send.
  expect(byName(/^eval/)).toMatchObject({ service: 'chat-socket', parentSpanId: send.spanId });
  // The worker continues the trace from the stream entry, and links the batch that inserted it.
  const persist = persistOf(trace)!;
  expect(persist).toMatchObject({ service: 'chat-worker', parentSpanId: send.spanId });
  expect(persist.links).toHaveLength(1);
  const batch = collector.spans.find((s) => s.spanId === persist.links[0]!.spanId)!;
  expect(batch).toMatchObject({ service: 'chat-worker', name: 'worker.drain' });
  await collector.waitFor((spans) =>
    spans.some(
      (s) => s.traceId === batch.traceId && s.parentSpanId === batch.spanId && /insert/i.test(s.name),
    ),
  );

  // Logs: the file app's line for this upload carries the trace id as its correlation id.
  const fileLog = readFileSync(file.logPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; cid?: string; fileId?: string });
  expect(fileLog.find((line) => line.fileId === ack.message.file!.id)).toMatchObject({
    msg: 'file stored',
    cid: traceId,
  });

  // The trace context never reaches a client.
  const [stored] = (await fullHistory(api.url, alice, roomId)) as Message[];
  expect(Object.keys(stored!).sort()).toEqual(Object.keys(ack.message).sort());
  expect(JSON.stringify(received.received)).not.toContain(traceId);
});
