import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const secret = z.string().min(32, 'must be at least 32 characters');
const secretFile = (name: string) =>
  z
    .string()
    .min(1)
    .optional()
    .describe(`A file holding ${name} (Docker secrets convention); ${name} wins when both are set.`);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

/**
 * Every environment variable the apps read, with its default and its description: `process.env`
 * is read nowhere else, and a bad value fails the start with a message naming the variable.
 * docs/configuration.md is generated from this schema (`npm run docs:config`) and checked against
 * it by config-docs.spec.ts.
 */
export const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe(
      '`production` requires JWT_SECRET, FILE_LINK_SECRET and INTERNAL_SERVICE_SECRET (strong, different from each other, no placeholders) and CORS_ORIGINS other than `*`.',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface every app listens on.'),
  API_PORT: port(3000).describe('HTTP port of the api app (0: any free port).'),
  SOCKET_PORT: port(3001).describe('HTTP port of the socket app: socket.io (0: any free port).'),
  FILE_HTTP_PORT: port(3002).describe('HTTP port of the file app: downloads (0: any free port).'),
  FILE_GRPC_PORT: port(50051).describe("gRPC port of the file app's internal service."),
  WORKER_PORT: port(3003).describe('HTTP port of the worker: health and metrics (0: any free port).'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379')
    .describe('Redis: room streams, idempotency keys, membership cache, live delivery, socket.io adapter.'),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'must be host:port[,host:port...]')
    .optional()
    .describe(
      'Seed nodes of a Redis Cluster (`host:port,host:port`). When set, every app uses the cluster and REDIS_URL only gives the credentials and TLS of its nodes.',
    ),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL')
    .default('mongodb://127.0.0.1:27017/chat')
    .describe('MongoDB (or FerretDB): users, rooms, memberships, persisted messages, file metadata.'),
  DATA_DIR: z
    .string()
    .min(1)
    .default('.data')
    .describe(
      'Local data folder: development secrets (`secrets/`) and, by default, stored files (`files/`).',
    ),
  JWT_SECRET: secret
    .optional()
    .describe(
      'Key that signs access tokens (HS256, at least 32 random characters: `openssl rand -base64 48`); tokens carry its id (`kid`). Unset in development: generated once into DATA_DIR/secrets/jwt-secret. Production refuses to start without it, or with a placeholder or low-entropy one.',
    ),
  JWT_SECRET_FILE: secretFile('JWT_SECRET'),
  JWT_SECRET_PREVIOUS: secret
    .optional()
    .describe(
      'The key before JWT_SECRET: tokens it signed still verify. Rotate: move the key here, set a new JWT_SECRET, drop this after ACCESS_TOKEN_TTL_SEC.',
    ),
  JWT_SECRET_PREVIOUS_FILE: secretFile('JWT_SECRET_PREVIOUS'),
  FILE_LINK_SECRET: secret
    .optional()
    .describe(
      'Key of signed file links, separate from JWT_SECRET. Unset in development: generated once into DATA_DIR/secrets/file-link-secret; required in production.',
    ),
  FILE_LINK_SECRET_FILE: secretFile('FILE_LINK_SECRET'),
  FILE_LINK_SECRET_PREVIOUS: secret
    .optional()
    .describe('Links it signed still verify until they expire (FILE_URL_TTL_SEC).'),
  FILE_LINK_SECRET_PREVIOUS_FILE: secretFile('FILE_LINK_SECRET_PREVIOUS'),
  INTERNAL_SERVICE_SECRET: secret
    .optional()
    .describe(
      'Key of the short-lived tokens (5 minutes, one scope) the socket app and the worker put on every gRPC call to the file app. Unset in development: generated once into DATA_DIR/secrets/internal-service-secret; required in production.',
    ),
  INTERNAL_SERVICE_SECRET_FILE: secretFile('INTERNAL_SERVICE_SECRET'),
  INTERNAL_SERVICE_SECRET_PREVIOUS: secret
    .optional()
    .describe(
      'Tokens it signed still verify. Rotate: move the key here, set a new one on every app, drop this 5 minutes after the last app took it.',
    ),
  INTERNAL_SERVICE_SECRET_PREVIOUS_FILE: secretFile('INTERNAL_SERVICE_SECRET_PREVIOUS'),
  ACCESS_TOKEN_TTL_SEC: positiveInt(900).describe('Access-token lifetime.'),
  REFRESH_TOKEN_TTL_SEC: positiveInt(30 * 24 * 3600).describe('Refresh-token lifetime (30 days).'),
  CORS_ORIGINS: z
    .string()
    .default('*')
    .describe(
      "Comma-separated origins of the pages allowed to call the api and open sockets with credentials (CORS, and the `Origin` of WebSocket handshakes). `*` reflects any origin; production refuses it: set the web client's origin.",
    ),
  MAX_CONTENT_LENGTH: positiveInt(4000).describe('Characters per message.'),
  MAX_FILE_BYTES: positiveInt(10 * 1024 * 1024).describe('Largest file (10 MiB).'),
  IDEMPOTENCY_TTL_SEC: z.coerce
    .number()
    .int()
    .min(86400, 'must be at least 86400 (24 h, per the contract)')
    .default(86400)
    .describe('How long `(sender, clientMsgId)` is remembered; at least 24 h, as the contract says.'),
  MEMBERSHIP_CACHE_TTL_SEC: positiveInt(3600).describe('Lifetime of cached membership answers in Redis.'),
  RATE_LIMIT_PER_SEC: z.coerce
    .number()
    .min(0)
    .default(20)
    .describe(
      '`chat:send` and `file:begin` per user per second on one socket instance (token bucket); over it `RATE_LIMITED`, the connection stays. 0 disables.',
    ),
  RATE_LIMIT_BURST: positiveInt(40).describe('Sends a user may burst above RATE_LIMIT_PER_SEC.'),
  AUTH_RATE_LIMIT_PER_IP: z.coerce
    .number()
    .int()
    .min(0)
    .default(30)
    .describe(
      'Login and refresh attempts per client IP per window, counted in Redis by every api instance (`429 RATE_LIMITED` with `Retry-After`). 0 disables.',
    ),
  AUTH_RATE_LIMIT_PER_USERNAME: z.coerce
    .number()
    .int()
    .min(0)
    .default(10)
    .describe(
      'Failed logins for one account from one address per window (then 429 for that address). 0 disables.',
    ),
  AUTH_RATE_LIMIT_PER_USERNAME_ALL: z.coerce
    .number()
    .int()
    .min(0)
    .default(100)
    .describe('Failed logins for one account from all addresses together per window. 0 disables.'),
  AUTH_RATE_LIMIT_WINDOW_SEC: positiveInt(60).describe('The window of the three auth limits above.'),
  REGISTER_RATE_LIMIT_PER_IP_PER_HOUR: z.coerce
    .number()
    .int()
    .min(0)
    .default(20)
    .describe('Accounts registered per client IP per hour (each account is another send quota). 0 disables.'),
  PASSWORD_HASH_CONCURRENCY: positiveInt(2).describe(
    'Password hashes (argon2id, 19 MiB each) one api instance computes at once.',
  ),
  PASSWORD_HASH_QUEUE: z.coerce
    .number()
    .int()
    .min(0)
    .default(256)
    .describe(
      'Password hashes that may wait; beyond, a request is refused at once (`503 UNAVAILABLE`, `Retry-After: 1`), so a flood of logins cannot starve the other routes or the memory.',
    ),
  TRUST_PROXY: z
    .string()
    .default('')
    .describe(
      "Proxies whose `X-Forwarded-For` gives the client IP (Express' `trust proxy`): empty trusts none; a hop count (`1`), or addresses and names (`loopback,uniquelocal`).",
    ),
  JOIN_RATE_LIMIT_PER_SEC: z.coerce
    .number()
    .min(0)
    .default(5)
    .describe(
      '`room:join` and `room:leave` per user per second on one socket instance (token bucket); over it `RATE_LIMITED`. 0 disables.',
    ),
  JOIN_RATE_LIMIT_BURST: positiveInt(30).describe(
    'Joins and leaves a user may burst above JOIN_RATE_LIMIT_PER_SEC.',
  ),
  MAX_ROOMS_PER_CONNECTION: positiveInt(100).describe(
    'Rooms one connection may have joined at once (`TOO_MANY_ROOMS` beyond).',
  ),
  MAX_JOINS_PER_USER: positiveInt(500).describe(
    'Room joins one user may hold over all its connections on one socket instance (`TOO_MANY_ROOMS` beyond).',
  ),
  REPLAY_MAX_BUFFERED_BYTES: positiveInt(1024 * 1024).describe(
    'Bytes a connection may have waiting to be sent while `room:join` replays; past it the replay waits for the client to read.',
  ),
  SOCKET_STALL_TIMEOUT_MS: positiveInt(30_000).describe(
    'A client that reads nothing of a waiting replay for this long is disconnected (it resumes with lastMessageId).',
  ),
  TOKEN_EXPIRY_WARNING_SEC: positiveInt(60).describe(
    "`auth:expiring` is sent this long before the connection's access token expires.",
  ),
  SOCKET_PREAUTH_MAX_BYTES: positiveInt(4096).describe(
    'Largest message (counted decompressed) a connection may send before it has authenticated; anything but the socket.io CONNECT packet closes it.',
  ),
  SOCKET_AUTH_TIMEOUT_MS: positiveInt(5000).describe('A connection not authenticated within this is closed.'),
  SOCKET_MAX_OUTBOUND_BYTES: positiveInt(8 * 1024 * 1024).describe(
    'Bytes the server may hold for a connection that is not reading (deliveries it has not taken); beyond, it is dropped and the client recovers with lastMessageId.',
  ),
  SOCKET_PING_INTERVAL_MS: positiveInt(10_000).describe(
    'engine.io ping interval: a dead connection is dropped within it plus SOCKET_PING_TIMEOUT_MS.',
  ),
  SOCKET_PING_TIMEOUT_MS: positiveInt(5_000).describe('engine.io ping timeout.'),
  SOCKET_ACCEPT_HANDLES: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe(
      'Descriptors the socket app listens on (one socket): libuv accepts one connection per descriptor per event-loop iteration, so a busy instance admits a connect storm N times faster. 1 turns this off.',
    ),
  SOCKET_FAST_PATH: flag(true).describe(
    "The socket app's write fast path (apps/socket/src/transport): frames built once and written straight to the TCP socket, batched writes, extra accept descriptors. `false` leaves every write to socket.io and engine.io as they ship, for comparison or if a release changes what the fast path relies on.",
  ),
  PRESENCE_HEARTBEAT_MS: positiveInt(5_000).describe(
    "How often an instance refreshes its presence entries; a crashed instance's users drop out after 3 missed beats.",
  ),
  RECOVERY_MAX_MESSAGES: positiveInt(50_000).describe(
    'Most messages `room:join` replays after lastMessageId; beyond, the ack says `recovered: false` and the client reloads history.',
  ),
  SHUTDOWN_GRACE_MS: positiveInt(10_000).describe(
    'On SIGTERM, how long the socket app waits for sends in flight.',
  ),
  WORKER_BATCH_SIZE: positiveInt(2500).describe('Stream entries per `insertMany`.'),
  WORKER_INTERVAL_MS: positiveInt(100).describe(
    'Pause between drain runs (a run keeps going while entries remain, up to 2 s).',
  ),
  WORKER_MAX_ROOMS_PER_BATCH: positiveInt(200).describe('Dirty rooms read per batch.'),
  LAYOUT_MIGRATIONS: flag(true).describe(
    'Whether this worker brings an existing database up to the current data layout at start (see decisions/data-layout.md). Off: another worker, or a later start, does it.',
  ),
  WORKER_LEASE_MS: positiveInt(15_000).describe(
    "How long a worker owns a room it drains; a dead worker's rooms are taken over after it.",
  ),
  DEAD_LETTER_MAX: positiveInt(10_000).describe(
    'About how many undecodable entries `chat:dead-letters` keeps (the oldest go first).',
  ),
  WORKER_BACKOFF_BASE_MS: positiveInt(200).describe(
    'First retry delay after a failed drain (exponential, with jitter).',
  ),
  WORKER_BACKOFF_MAX_MS: positiveInt(5000).describe('Longest retry delay after failed drains.'),
  BACKLOG_METRICS_INTERVAL_MS: positiveInt(5000).describe('How often the backlog gauges are refreshed.'),
  RETENTION_MESSAGE_DAYS: z.coerce
    .number()
    .min(0)
    .default(0)
    .describe('Messages older than this many days are deleted by the worker; 0 keeps them forever.'),
  RETENTION_INTERVAL_SEC: positiveInt(600).describe('How often retention and the orphan-file sweep run.'),
  RETENTION_BATCH_SIZE: positiveInt(1000).describe('Messages retention deletes per operation.'),
  FILE_STORAGE_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Where the file app keeps the bytes (local disk or a shared volume); default DATA_DIR/files.'),
  FILE_GRPC_URL: z
    .string()
    .min(1)
    .default('127.0.0.1:50051')
    .describe("Where the socket app and the worker reach the file app's gRPC service."),
  FILE_PUBLIC_URL: z
    .string()
    .url()
    .default('http://127.0.0.1:3002')
    .describe('Base of the links in `Message.file.url`: the file app as browsers reach it.'),
  FILE_URL_TTL_SEC: positiveInt(86_400).describe(
    'Lifetime of a signed file link; links are signed anew every time a message is read.',
  ),
  FILE_UPLOAD_TIMEOUT_MS: positiveInt(30_000).describe(
    'Deadline of one upload from the socket app to the file app.',
  ),
  UPLOAD_CHUNK_BYTES: positiveInt(256 * 1024).describe(
    'Chunked uploads (`file:begin`, `file:chunk`): the largest chunk.',
  ),
  UPLOAD_IDLE_TIMEOUT_SEC: positiveInt(120).describe(
    'How long a chunked upload may sit idle (the window to resume after a reconnect) before it is discarded.',
  ),
  UPLOAD_SESSION_TTL_SEC: positiveInt(900).describe('How long a chunked upload may take in all.'),
  MAX_UPLOADS_PER_USER: positiveInt(3).describe(
    'Chunked uploads one user may have open on a socket instance (`RATE_LIMITED` beyond).',
  ),
  MAX_UPLOADS_PER_INSTANCE: positiveInt(64).describe(
    'Chunked uploads one socket instance takes at once (`RATE_LIMITED` beyond). Each holds at most four chunks, so this bounds what all uploads hold: 64 × 1 MiB by default.',
  ),
  SOCKET_MAX_MESSAGE_BYTES: positiveInt(1024 * 1024 + 64 * 1024).describe(
    'Largest socket.io message of an authenticated connection, an inline file (`chat:send` `file.data`) included; one binary attachment per event. Larger files go in chunks.',
  ),
  FILE_RETENTION_DAYS: z.coerce
    .number()
    .min(0)
    .default(0)
    .describe('Files expire this many days after upload and the worker deletes them; 0 keeps them forever.'),
  FILE_ORPHAN_GRACE_SEC: z.coerce
    .number()
    .int()
    .min(0)
    .default(86_400)
    .describe(
      'A stored file no message refers to this long after its upload (its message was never stored) is deleted by the worker; 0 turns the sweep off. Must exceed the time between the end of an upload and the append of its message.',
    ),
  STRIP_IMAGE_METADATA: flag(true).describe(
    'Remove EXIF (with the GPS position), XMP and IPTC from uploaded images before they are stored, without re-encoding them; the EXIF orientation is kept.',
  ),
  METRICS_ENABLED: flag(true).describe(
    'Prometheus instruments on /metrics; `false` makes every instrument a no-op.',
  ),
  ADMIN_USERNAMES: z
    .string()
    .default('')
    .describe(
      'Comma-separated usernames allowed the live stats (`GET /admin/stats`, `admin:stats:subscribe`). Empty: nobody.',
    ),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .url()
    .optional()
    .describe('OTLP/HTTP collector base URL (e.g. `http://jaeger:4318`). Unset: tracing is off.'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe(
      'Fraction of messages and requests traced when tracing is on (parent-based: a sampled message is traced in every app).',
    ),
});

export type Env = z.infer<typeof envSchema>;
