import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const secret = z.string().min(32, 'must be at least 32 characters');
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

/**
 * Every environment variable the apps read, with its default. `process.env` is read nowhere
 * else; a bad value fails the start with a message naming the variable.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('0.0.0.0'),
  API_PORT: port(3000),
  SOCKET_PORT: port(3001),
  FILE_HTTP_PORT: port(3002),
  FILE_GRPC_PORT: port(50051),
  WORKER_PORT: port(3003),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /**
   * Seed nodes of a Redis Cluster ("host:port,host:port"). When set the apps use the cluster
   * (REDIS_URL then only gives the credentials and TLS of its nodes).
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'must be host:port[,host:port...]')
    .optional(),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL')
    .default('mongodb://127.0.0.1:27017/chat'),
  DATA_DIR: z.string().min(1).default('.data'),
  /**
   * The key that signs access tokens (HS256). Each secret below may instead be given as a file
   * (`<NAME>_FILE`, the Docker secrets convention); the variable wins when both are set. In
   * development a missing one is generated once into DATA_DIR/secrets; production refuses to
   * start without it, or with a placeholder or low-entropy one.
   */
  JWT_SECRET: secret.optional(),
  JWT_SECRET_FILE: z.string().min(1).optional(),
  /**
   * The key before the current one, still accepted for verification while tokens it signed
   * live (rotation: move JWT_SECRET here, set a new JWT_SECRET, drop this after
   * ACCESS_TOKEN_TTL_SEC).
   */
  JWT_SECRET_PREVIOUS: secret.optional(),
  JWT_SECRET_PREVIOUS_FILE: z.string().min(1).optional(),
  /** The key of signed file links: separate from JWT_SECRET, rotated the same way. */
  FILE_LINK_SECRET: secret.optional(),
  FILE_LINK_SECRET_FILE: z.string().min(1).optional(),
  /** Accepted for file links until links it signed expire (FILE_URL_TTL_SEC). */
  FILE_LINK_SECRET_PREVIOUS: secret.optional(),
  FILE_LINK_SECRET_PREVIOUS_FILE: z.string().min(1).optional(),
  /**
   * The key of the short-lived tokens the socket app and the worker sign for each call to the
   * file service's gRPC API (upload, delete): separate from the others, rotated the same way.
   */
  INTERNAL_SERVICE_SECRET: secret.optional(),
  INTERNAL_SERVICE_SECRET_FILE: z.string().min(1).optional(),
  /** Still accepted from callers while they sign with it (a few minutes: the tokens' lifetime). */
  INTERNAL_SERVICE_SECRET_PREVIOUS: secret.optional(),
  INTERNAL_SERVICE_SECRET_PREVIOUS_FILE: z.string().min(1).optional(),
  ACCESS_TOKEN_TTL_SEC: positiveInt(900),
  REFRESH_TOKEN_TTL_SEC: positiveInt(30 * 24 * 3600),
  /**
   * Origins (comma-separated) of the pages allowed to call the api and open sockets with
   * credentials; `*` reflects any origin, which production refuses.
   */
  CORS_ORIGINS: z.string().default('*'),
  MAX_CONTENT_LENGTH: positiveInt(4000),
  MAX_FILE_BYTES: positiveInt(10 * 1024 * 1024),
  IDEMPOTENCY_TTL_SEC: z.coerce
    .number()
    .int()
    .min(86400, 'must be at least 86400 (24 h, per the contract)')
    .default(86400),
  MEMBERSHIP_CACHE_TTL_SEC: positiveInt(3600),
  /** Sends allowed per user per second on one socket instance (token bucket); 0 disables. */
  RATE_LIMIT_PER_SEC: z.coerce.number().min(0).default(20),
  /** Sends a user may burst above the rate before RATE_LIMITED. */
  RATE_LIMIT_BURST: positiveInt(40),
  /**
   * REST auth throttling, shared by every api instance through Redis (0 disables a limit).
   * Login and refresh attempts per client IP per window:
   */
  AUTH_RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(30),
  /** Failed logins for one account from one address per window (then 429 for that address). */
  AUTH_RATE_LIMIT_PER_USERNAME: z.coerce.number().int().min(0).default(10),
  /** Failed logins for one account from all addresses per window (a guesser spread over IPs). */
  AUTH_RATE_LIMIT_PER_USERNAME_ALL: z.coerce.number().int().min(0).default(100),
  AUTH_RATE_LIMIT_WINDOW_SEC: positiveInt(60),
  /** Accounts registered per client IP per hour (each account is another send quota). */
  REGISTER_RATE_LIMIT_PER_IP_PER_HOUR: z.coerce.number().int().min(0).default(20),
  /**
   * Password hashes (argon2id, 19 MiB each) computed at once; more wait in a queue of
   * PASSWORD_HASH_QUEUE, beyond which a request is refused at once (503, Retry-After), so a
   * flood of logins cannot starve the other routes or the memory.
   */
  PASSWORD_HASH_CONCURRENCY: positiveInt(2),
  PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).default(256),
  /**
   * Which proxies' X-Forwarded-For to believe for the client IP (Express' `trust proxy`):
   * empty trusts none; a hop count (`1`), or addresses and names (`loopback,uniquelocal`).
   */
  TRUST_PROXY: z.string().default(''),
  /** room:join and room:leave per user per second on one socket instance (token bucket); 0 disables. */
  JOIN_RATE_LIMIT_PER_SEC: z.coerce.number().min(0).default(5),
  JOIN_RATE_LIMIT_BURST: positiveInt(30),
  /** Rooms one connection may have joined at once (TOO_MANY_ROOMS beyond). */
  MAX_ROOMS_PER_CONNECTION: positiveInt(100),
  /** Room joins one user may hold over all its connections on one socket instance. */
  MAX_JOINS_PER_USER: positiveInt(500),
  /**
   * Bytes a connection may have waiting to be sent while room:join replays: past it the replay
   * waits for the client to read, and a client that reads nothing for SOCKET_STALL_TIMEOUT_MS is
   * disconnected (it resumes with lastMessageId on reconnect).
   */
  REPLAY_MAX_BUFFERED_BYTES: positiveInt(1024 * 1024),
  SOCKET_STALL_TIMEOUT_MS: positiveInt(30_000),
  /** Seconds before the access token expires at which a connection is sent `auth:expiring`. */
  TOKEN_EXPIRY_WARNING_SEC: positiveInt(60),
  /**
   * The largest message (also decompressed) a connection may send before it has authenticated;
   * anything but the socket.io CONNECT packet closes it. A connection that has not
   * authenticated within SOCKET_AUTH_TIMEOUT_MS is closed.
   */
  SOCKET_PREAUTH_MAX_BYTES: positiveInt(4096),
  SOCKET_AUTH_TIMEOUT_MS: positiveInt(5000),
  /**
   * Bytes the server may hold for a connection that is not reading (deliveries it has not
   * taken); beyond, the connection is dropped and the client recovers with lastMessageId.
   */
  SOCKET_MAX_OUTBOUND_BYTES: positiveInt(8 * 1024 * 1024),
  /** Engine.io ping interval and timeout: a dead connection is dropped within their sum. */
  SOCKET_PING_INTERVAL_MS: positiveInt(10_000),
  SOCKET_PING_TIMEOUT_MS: positiveInt(5_000),
  /**
   * Descriptors the socket app listens on (one socket): libuv accepts one connection per
   * descriptor per event-loop iteration, so a busy instance admits a connect storm N times faster.
   */
  SOCKET_ACCEPT_HANDLES: z.coerce.number().int().min(1).max(64).default(4),
  /** How often an instance refreshes its presence entries; they expire after 3 missed beats. */
  PRESENCE_HEARTBEAT_MS: positiveInt(5_000),
  /** The most messages `room:join` replays after lastMessageId; beyond it the client reloads history. */
  RECOVERY_MAX_MESSAGES: positiveInt(50_000),
  /** How long SIGTERM waits for in-flight sends before the socket app closes. */
  SHUTDOWN_GRACE_MS: positiveInt(10_000),
  WORKER_BATCH_SIZE: positiveInt(2500),
  WORKER_INTERVAL_MS: positiveInt(100),
  WORKER_MAX_ROOMS_PER_BATCH: positiveInt(200),
  /** How long a worker owns a room it drains; a dead worker's rooms are taken over after it. */
  WORKER_LEASE_MS: positiveInt(15_000),
  /** About how many undecodable entries the dead-letter stream keeps (the oldest go first). */
  DEAD_LETTER_MAX: positiveInt(10_000),
  WORKER_BACKOFF_BASE_MS: positiveInt(200),
  WORKER_BACKOFF_MAX_MS: positiveInt(5000),
  BACKLOG_METRICS_INTERVAL_MS: positiveInt(5000),
  /** Messages older than this many days are deleted; 0 keeps them forever. */
  RETENTION_MESSAGE_DAYS: z.coerce.number().min(0).default(0),
  RETENTION_INTERVAL_SEC: positiveInt(600),
  RETENTION_BATCH_SIZE: positiveInt(1000),
  /** Where the file app keeps uploads (local-disk storage); default DATA_DIR/files. */
  FILE_STORAGE_DIR: z.string().min(1).optional(),
  /** The file app's gRPC address as the socket app dials it. */
  FILE_GRPC_URL: z.string().min(1).default('127.0.0.1:50051'),
  /** Base of the links put in Message.file.url: the file app's HTTP address as browsers see it. */
  FILE_PUBLIC_URL: z.string().url().default('http://127.0.0.1:3002'),
  /** Lifetime of a signed file link; links are re-signed every time a message is read. */
  FILE_URL_TTL_SEC: positiveInt(86_400),
  FILE_UPLOAD_TIMEOUT_MS: positiveInt(30_000),
  /**
   * Chunked uploads (file:begin, file:chunk): the largest chunk, how long an upload may sit idle
   * (the window to resume after a reconnect), how long it may take in all, how many one user
   * may have open on an instance, and how many an instance takes at once (each holds at most
   * four chunks: this bounds the memory of all uploads, 64 × 1 MiB by default).
   */
  UPLOAD_CHUNK_BYTES: positiveInt(256 * 1024),
  UPLOAD_IDLE_TIMEOUT_SEC: positiveInt(120),
  UPLOAD_SESSION_TTL_SEC: positiveInt(900),
  MAX_UPLOADS_PER_USER: positiveInt(3),
  MAX_UPLOADS_PER_INSTANCE: positiveInt(64),
  /**
   * The largest socket.io message of an authenticated connection, an inline file
   * (chat:send file.data) included: larger files go in chunks.
   */
  SOCKET_MAX_MESSAGE_BYTES: positiveInt(1024 * 1024 + 64 * 1024),
  /** Files expire (and are deleted by the worker) this many days after upload; 0 keeps them. */
  FILE_RETENTION_DAYS: z.coerce.number().min(0).default(0),
  /**
   * A stored file that no message refers to this long after its upload is deleted by the worker
   * (an upload whose message was never stored); 0 turns the sweep off. It must exceed the time
   * between the end of an upload and the append of its message.
   */
  FILE_ORPHAN_GRACE_SEC: z.coerce.number().int().min(0).default(86_400),
  /**
   * Removes metadata (EXIF with its GPS position, XMP, IPTC) from uploaded images before they are
   * stored, losslessly: the image data is not re-encoded. The EXIF orientation is kept.
   */
  STRIP_IMAGE_METADATA: flag(true),
  /** Prometheus instruments on /metrics; false turns every instrument into a no-op. */
  METRICS_ENABLED: flag(true),
  /**
   * Usernames (comma-separated) allowed to read the live stats (`GET /admin/stats`,
   * `admin:stats:subscribe`). Empty: nobody.
   */
  ADMIN_USERNAMES: z.string().default(''),
  /** OTLP/HTTP collector base URL (e.g. http://otel-collector:4318). Unset: tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Fraction of messages and requests traced when tracing is on (parent-based). */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
});

export type Env = z.infer<typeof envSchema>;
