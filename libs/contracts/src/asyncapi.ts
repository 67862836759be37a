import { ErrorCode } from './error-code.js';
import { ROOM_ID_DESCRIPTION, ROOM_ID_EXAMPLE, ROOM_ID_PATTERN } from './room-id.js';
import { SocketEvent } from './socket-events.js';

type Schema = Record<string, unknown>;

/**
 * The socket.io contract as an AsyncAPI 3.0 document. The event names come from SocketEvent,
 * the Message and AdminStats schemas from the api's OpenAPI components (one definition for REST
 * and socket), and docs/asyncapi.json is this function's output, checked against drift in CI.
 */
export function buildAsyncApiDocument(openApiSchemas: Record<string, Schema>): Schema {
  const schemas: Record<string, Schema> = {};
  for (const name of [
    'MessageDto',
    'MessageFileDto',
    'AdminStatsDto',
    'AdminStatsTotalsDto',
    'SocketInstanceStatsDto',
    'BacklogStatsDto',
  ]) {
    const schema = openApiSchemas[name];
    if (!schema) throw new Error(`OpenAPI schema ${name} is missing`);
    schemas[name.replace(/Dto$/, '')] = toJsonSchema(schema);
  }
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const ackOk = (extra: Record<string, Schema> = {}, required: string[] = []): Schema => ({
    type: 'object',
    required: ['ok', ...required],
    properties: { ok: { const: true }, ...extra },
  });
  const ack = (ok: Schema) => ({ oneOf: [ok, ref('AckError')] });
  const errorSchema: Schema = {
    type: 'object',
    required: ['code', 'message'],
    properties: { code: { type: 'string', enum: Object.values(ErrorCode) }, message: { type: 'string' } },
  };
  schemas.AckError = {
    type: 'object',
    required: ['ok', 'error'],
    properties: { ok: { const: false }, error: errorSchema },
  };
  const roomId = {
    type: 'string',
    pattern: ROOM_ID_PATTERN,
    description: ROOM_ID_DESCRIPTION,
    examples: [ROOM_ID_EXAMPLE],
  };
  const uploadId = { type: 'string', format: 'uuid', description: 'the upload, as file:begin answered it' };
  const presenceUser = {
    type: 'object',
    required: ['id', 'username'],
    properties: { id: { type: 'string' }, username: { type: 'string' } },
  };

  // Client → server events: payload, and the ack the server answers with.
  const requests: Record<string, { summary: string; payload: Schema; ack: Schema }> = {
    [SocketEvent.RoomJoin]: {
      summary:
        'Join a room to receive its chat:message events. With lastMessageId, every message after it is sent first (no gap, no duplicate).',
      payload: {
        type: 'object',
        required: ['roomId'],
        properties: {
          roomId,
          lastMessageId: {
            type: 'string',
            description: 'the newest message id the client has',
            examples: ['1732345678901-0'],
          },
        },
      },
      ack: ack(
        ackOk({
          replayed: { type: 'integer', description: 'only with lastMessageId: messages sent before the ack' },
          recovered: {
            type: 'boolean',
            description: 'only with lastMessageId: false when the gap exceeded RECOVERY_MAX_MESSAGES',
          },
        }),
      ),
    },
    [SocketEvent.RoomLeave]: {
      summary: 'Stop receiving the room’s messages.',
      payload: { type: 'object', required: ['roomId'], properties: { roomId } },
      ack: ack(ackOk()),
    },
    [SocketEvent.ChatSend]: {
      summary:
        'Send a message. An ok ack means it is durable; the same clientMsgId from the same sender acks the original again.',
      payload: {
        type: 'object',
        required: ['roomId', 'clientMsgId'],
        properties: {
          roomId,
          clientMsgId: {
            type: 'string',
            minLength: 1,
            maxLength: 64,
            description: 'idempotency key chosen by the client',
          },
          content: {
            type: 'string',
            maxLength: 4000,
            description: 'may be empty when a file is sent (limit MAX_CONTENT_LENGTH)',
          },
          file: {
            type: 'object',
            required: ['name', 'data'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 255 },
              mime: { type: 'string', description: 'a hint only: the type is detected from the bytes' },
              data: {
                type: 'string',
                format: 'binary',
                description:
                  'binary attachment (Buffer / ArrayBuffer view); the whole message is at most SOCKET_MAX_MESSAGE_BYTES (1 MiB + 64 KiB): larger files go in chunks (uploadId)',
              },
            },
          },
          uploadId: {
            ...uploadId,
            description: 'instead of file: a file uploaded in chunks (file:begin, file:chunk), complete',
          },
        },
        examples: [{ roomId: ROOM_ID_EXAMPLE, clientMsgId: 'b3c1e0a2', content: 'hello' }],
      },
      ack: ack(ackOk({ message: ref('Message') }, ['message'])),
    },
    [SocketEvent.FileBegin]: {
      summary:
        'Start an upload in chunks ({roomId, name, mime?, size}: the same access check and send rate as chat:send; FILE_TOO_LARGE past MAX_FILE_BYTES; RATE_LIMITED past MAX_UPLOADS_PER_USER open uploads, or past MAX_UPLOADS_PER_INSTANCE on the instance), or resume one after a reconnect ({uploadId}: NOT_FOUND when it expired, after UPLOAD_IDLE_TIMEOUT_SEC idle, or lives on another instance).',
      payload: {
        oneOf: [
          {
            type: 'object',
            required: ['roomId', 'name', 'size'],
            properties: {
              roomId,
              name: { type: 'string', minLength: 1, maxLength: 255 },
              mime: { type: 'string', description: 'a hint only: the type is detected from the bytes' },
              size: { type: 'integer', minimum: 1, description: 'the whole file, bytes' },
            },
          },
          { type: 'object', required: ['uploadId'], properties: { uploadId } },
        ],
      },
      ack: ack(
        ackOk(
          {
            uploadId,
            chunkSize: { type: 'integer', description: 'the largest chunk (UPLOAD_CHUNK_BYTES)' },
            received: { type: 'integer', description: 'bytes received so far: the next chunk’s offset' },
          },
          ['uploadId', 'chunkSize', 'received'],
        ),
      ),
    },
    [SocketEvent.FileChunk]: {
      summary:
        'One chunk of an upload, streamed on to the file service; the ack (once it is on its way) is the credit for the next. Keep at most a few unacknowledged (RATE_LIMITED past 4). VALIDATION for a wrong offset or a chunk over chunkSize; NOT_FOUND for an unknown upload.',
      payload: {
        type: 'object',
        required: ['uploadId', 'offset', 'data'],
        properties: {
          uploadId,
          offset: {
            type: 'integer',
            minimum: 0,
            description: 'bytes received so far, with chunks in flight',
          },
          data: { type: 'string', format: 'binary', description: 'at most chunkSize bytes' },
        },
      },
      ack: ack(ackOk({ received: { type: 'integer' } }, ['received'])),
    },
    [SocketEvent.PresenceGet]: {
      summary: 'Who is online in a room (members only).',
      payload: { type: 'object', required: ['roomId'], properties: { roomId } },
      ack: ack(ackOk({ users: { type: 'array', items: presenceUser } }, ['users'])),
    },
    [SocketEvent.AuthRefresh]: {
      summary: 'Give the connection a fresh access token (same user) before the old one expires.',
      payload: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
      ack: ack(ackOk({ expiresAt: { type: 'string', format: 'date-time' } }, ['expiresAt'])),
    },
    [SocketEvent.Ping]: {
      summary: 'Round trip for latency measurement.',
      payload: { type: 'object' },
      ack: ack(ackOk({ serverTime: { type: 'integer', description: 'epoch ms' } }, ['serverTime'])),
    },
    [SocketEvent.AdminStatsSubscribe]: {
      summary: 'Admins only (ADMIN_USERNAMES): the live snapshot now, then admin:stats every second.',
      payload: { type: 'object' },
      ack: ack(ackOk({ stats: ref('AdminStats') }, ['stats'])),
    },
    [SocketEvent.AdminStatsUnsubscribe]: {
      summary: 'Stop the admin:stats events.',
      payload: { type: 'object' },
      ack: ack(ackOk()),
    },
  };
  // Server → client events.
  const events: Record<string, { summary: string; payload: Schema }> = {
    [SocketEvent.ChatMessage]: {
      summary: 'A stored message of a joined room, to every socket in it on any instance, in room order.',
      payload: ref('Message'),
    },
    [SocketEvent.PresenceUpdate]: {
      summary: 'A user’s first connection joined a room (online) or the last one left it.',
      payload: {
        type: 'object',
        required: ['roomId', 'user', 'online'],
        properties: { roomId, user: presenceUser, online: { type: 'boolean' } },
      },
    },
    [SocketEvent.AuthExpiring]: {
      summary: 'The access token expires soon: send auth:refresh before expiresAt.',
      payload: {
        type: 'object',
        required: ['expiresAt'],
        properties: { expiresAt: { type: 'string', format: 'date-time' } },
      },
    },
    [SocketEvent.AuthExpired]: {
      summary: 'The token expired without a refresh; the server disconnects right after.',
      payload: errorSchema,
    },
    [SocketEvent.AdminStats]: {
      summary: 'The live snapshot, every second, to subscribed admins.',
      payload: ref('AdminStats'),
    },
  };

  const id = (event: string) => event.replace(/:/g, '_');
  const messages: Record<string, Schema> = {};
  const operations: Record<string, Schema> = {};
  for (const [event, { summary, payload, ack: reply }] of Object.entries(requests)) {
    messages[id(event)] = { name: event, title: event, summary, payload };
    messages[`${id(event)}_ack`] = {
      name: `${event} ack`,
      title: `${event} acknowledgement`,
      payload: reply,
    };
    operations[id(event)] = {
      action: 'send',
      channel: { $ref: '#/channels/root' },
      summary,
      messages: [{ $ref: `#/channels/root/messages/${id(event)}` }],
      reply: {
        channel: { $ref: '#/channels/root' },
        messages: [{ $ref: `#/channels/root/messages/${id(event)}_ack` }],
      },
    };
  }
  for (const [event, { summary, payload }] of Object.entries(events)) {
    messages[id(event)] = { name: event, title: event, summary, payload };
    operations[id(event)] = {
      action: 'receive',
      channel: { $ref: '#/channels/root' },
      summary,
      messages: [{ $ref: `#/channels/root/messages/${id(event)}` }],
    };
  }
  const connectError = Object.values(ErrorCode).filter(
    (c) => c === ErrorCode.UNAUTHORIZED || c === ErrorCode.UNAVAILABLE,
  );

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Chat socket API',
      version: '1.0.0',
      description:
        'socket.io 4 on the socket app, default namespace. Connect with `io(url, { auth: { token: accessToken } })`; ' +
        `a missing, invalid or expired token fails the handshake with a connect_error whose message is one of ${connectError.join(', ')}. ` +
        'Every client event takes an acknowledgement callback and answers `{ok: true, ...}` or `{ok: false, error: {code, message}}`.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:3001',
        pathname: '/socket.io',
        protocol: 'ws',
        description: 'socket.io (Engine.IO v4, websocket transport first) on the socket app',
        security: [{ $ref: '#/components/securitySchemes/accessToken' }],
      },
    },
    channels: { root: { address: '/', title: 'default namespace', messages } },
    operations,
    components: {
      schemas,
      securitySchemes: {
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The access token from POST /auth/login, in the handshake’s `auth.token` (or an `Authorization: Bearer` header).',
        },
      },
    },
  };
}

/** OpenAPI 3.0 schema → JSON Schema: `nullable` becomes a null type, refs are re-pointed. */
function toJsonSchema(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema), (_, value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const object = { ...(value as Schema) };
    if (typeof object.$ref === 'string') object.$ref = object.$ref.replace(/Dto$/, '');
    if (object.nullable === true) {
      delete object.nullable;
      if (typeof object.type === 'string') object.type = [object.type, 'null'];
      else if (object.$ref || object.allOf) return { oneOf: [{ ...object }, { type: 'null' }] };
    }
    if ('example' in object) {
      object.examples = [object.example];
      delete object.example;
    }
    return object;
  }) as Schema;
}
