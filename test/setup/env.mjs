// Runs in every integration test worker before the test file: the apps read only these.
process.env.REDIS_URL = process.env.TEST_REDIS_URL;
process.env.MONGO_URL = process.env.TEST_MONGO_URL;
process.env.DATA_DIR = process.env.TEST_DATA_DIR;
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL || 'silent';
process.env.JWT_SECRET = 'test-secret-test-secret-test-secret-0123';
process.env.FILE_LINK_SECRET = 'test-links-test-links-test-links-test-0123';
process.env.INTERNAL_SERVICE_SECRET = 'test-internal-test-internal-test-internal-0123';
process.env.HOST = '127.0.0.1';
for (const name of ['API_PORT', 'SOCKET_PORT', 'FILE_HTTP_PORT', 'WORKER_PORT']) process.env[name] = '0';
process.env.FILE_GRPC_URL = '127.0.0.1:1'; // nothing listens: tests that need the file app start one
// Load tests send as fast as acks come; the rate-limit test turns the limiter on for itself.
process.env.RATE_LIMIT_PER_SEC = '0';
// Every test user registers and logs in from 127.0.0.1: the auth-throttle test turns these on.
process.env.AUTH_RATE_LIMIT_PER_IP = '0';
process.env.AUTH_RATE_LIMIT_PER_USERNAME = '0';
process.env.AUTH_RATE_LIMIT_PER_USERNAME_ALL = '0';
process.env.REGISTER_RATE_LIMIT_PER_IP_PER_HOUR = '0';
// The test database is shared by every file: the layout migrations run only in their own test,
// on a database of its own (a migration numbering another test's messages mid-test would race it).
process.env.LAYOUT_MIGRATIONS = 'false';
// Presence entries of a killed instance expire within 3 beats: keep that short in tests.
process.env.PRESENCE_HEARTBEAT_MS = '500';
