import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { envSchema, type Env } from './config.schema.js';

export interface SigningKeys {
  current: string;
  previous: string | null;
}

export interface AppConfig extends Env {
  /** Absolute path of DATA_DIR. */
  dataDir: string;
  /** Access-token keys: JWT_SECRET signs, it and JWT_SECRET_PREVIOUS verify. */
  jwtKeys: SigningKeys;
  /** File-link keys: FILE_LINK_SECRET signs, it and FILE_LINK_SECRET_PREVIOUS verify. */
  fileLinkKeys: SigningKeys;
  /**
   * Keys of the tokens on calls to the file service: INTERNAL_SERVICE_SECRET signs, it and
   * INTERNAL_SERVICE_SECRET_PREVIOUS verify.
   */
  internalKeys: SigningKeys;
  corsOrigins: string[] | '*';
  /** Absolute path of FILE_STORAGE_DIR (or DATA_DIR/files). */
  fileStorageDir: string;
  /** Parsed REDIS_CLUSTER_NODES, or null for a single Redis at REDIS_URL. */
  redisClusterNodes: Array<{ host: string; port: number }> | null;
  /** Parsed ADMIN_USERNAMES. */
  adminUsernames: ReadonlySet<string>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates the environment once; throws a ConfigError naming each bad variable. */
/**
 * An app's configuration at start-up: read once from the environment by main.ts and handed to
 * tracing and bootstrap. A bad environment is the operator's to fix: it names the variable on
 * stderr, without a stack trace, and exits 1.
 */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable (e.g. `JWT_SECRET: ${JWT_SECRET:-}` in compose) means "not set".
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const dataDir = resolve(env.DATA_DIR);
  if (env.NODE_ENV === 'production' && (!env.CORS_ORIGINS || env.CORS_ORIGINS.trim() === '*'))
    throw new ConfigError(
      "Invalid environment:\n  CORS_ORIGINS: set the web client's origin(s) when NODE_ENV=production (`*` with credentials lets any page act as the user)",
    );
  const corsOrigins =
    env.CORS_ORIGINS.trim() === '*'
      ? ('*' as const)
      : env.CORS_ORIGINS.split(',')
          .map((origin) => origin.trim())
          .filter(Boolean);
  const fileStorageDir = resolve(env.FILE_STORAGE_DIR ?? resolve(dataDir, 'files'));
  const redisClusterNodes =
    env.REDIS_CLUSTER_NODES?.split(',').map((node) => {
      const at = node.lastIndexOf(':');
      return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
    }) ?? null;
  return Object.freeze({
    ...env,
    dataDir,
    redisClusterNodes,
    corsOrigins,
    fileStorageDir,
    adminUsernames: new Set(
      env.ADMIN_USERNAMES.split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
    ...resolveKeys(env, dataDir),
  });
}

type SecretName =
  | 'JWT_SECRET'
  | 'JWT_SECRET_PREVIOUS'
  | 'FILE_LINK_SECRET'
  | 'FILE_LINK_SECRET_PREVIOUS'
  | 'INTERNAL_SERVICE_SECRET'
  | 'INTERNAL_SERVICE_SECRET_PREVIOUS';

/** Values shipped in examples and docs, and words that only a placeholder contains. */
const PLACEHOLDERS = ['replace-with-at-least-32-random-characters'];
const PLACEHOLDER_WORDS = /change.?me|replace|example|placeholder|secret|password|default|your.?(own|key)/i;

/**
 * Bits of entropy a string shows, judged from its own character frequencies (Shannon entropy
 * per character times its length). A repeated or dictionary-like value scores far below what
 * random bytes in hex or base64 score (4 or 6 bits a character).
 */
export function estimatedEntropyBits(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * value.length;
}

/**
 * The share of a string's three-character windows seen before in it: a pattern repeated
 * ("0123456789" four times) scores high whatever its character frequencies, random text ~0.
 */
function repeatedTrigramShare(value: string): number {
  const windows = value.length - 2;
  if (windows <= 0) return 1;
  const seen = new Set<string>();
  for (let i = 0; i < windows; i++) seen.add(value.slice(i, i + 3));
  return 1 - seen.size / windows;
}

/** 16 random bytes in hex score ~110; anything a person typed scores far less. */
const MIN_SECRET_BITS = 96;

/** Why a production secret is unacceptable, or null. */
export function weakSecretReason(value: string): string | null {
  if (PLACEHOLDERS.includes(value) || PLACEHOLDER_WORDS.test(value))
    return 'is a placeholder; generate one with `openssl rand -base64 48`';
  if (estimatedEntropyBits(value) < MIN_SECRET_BITS || repeatedTrigramShare(value) > 0.25)
    return 'is too predictable; generate one with `openssl rand -base64 48`';
  return null;
}

/** A secret from NAME, else the content of NAME_FILE, else undefined. */
function readSecret(env: Env, name: SecretName): string | undefined {
  const value = env[name];
  if (value) return value;
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(
      `Invalid environment:\n  ${name}_FILE: cannot read ${file} (${(error as Error).message})`,
    );
  }
  if (secret.length < 32)
    throw new ConfigError(`Invalid environment:\n  ${name}_FILE: the secret must be at least 32 characters`);
  return secret;
}

/**
 * The current secret NAME (see readSecret). In production it must be given and strong. In
 * development a random one is created once in DATA_DIR/secrets/<file> so that restarts (and the
 * other apps) keep accepting the same tokens and links; the exclusive create makes concurrent
 * first starts agree on one secret.
 */
function currentSecret(env: Env, name: SecretName, dataDir: string, devFile: string): string {
  const given = readSecret(env, name);
  if (env.NODE_ENV === 'production') {
    if (!given)
      throw new ConfigError(
        `Invalid environment:\n  ${name}: required when NODE_ENV=production (or ${name}_FILE)`,
      );
    assertStrong(name, given);
    return given;
  }
  if (given) return given;
  const file = join(dataDir, 'secrets', devFile);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new ConfigError(`${file} holds a secret shorter than 32 characters`);
  return secret;
}

function previousSecret(env: Env, name: SecretName): string | null {
  const secret = readSecret(env, name);
  if (secret && env.NODE_ENV === 'production') assertStrong(name, secret);
  return secret ?? null;
}

function assertStrong(name: string, secret: string): void {
  const reason = weakSecretReason(secret);
  if (reason) throw new ConfigError(`Invalid environment:\n  ${name}: ${reason}`);
}

function resolveKeys(
  env: Env,
  dataDir: string,
): Pick<AppConfig, 'jwtKeys' | 'fileLinkKeys' | 'internalKeys'> {
  const jwtKeys = {
    current: currentSecret(env, 'JWT_SECRET', dataDir, 'jwt-secret'),
    previous: previousSecret(env, 'JWT_SECRET_PREVIOUS'),
  };
  const fileLinkKeys = {
    current: currentSecret(env, 'FILE_LINK_SECRET', dataDir, 'file-link-secret'),
    previous: previousSecret(env, 'FILE_LINK_SECRET_PREVIOUS'),
  };
  const internalKeys = {
    current: currentSecret(env, 'INTERNAL_SERVICE_SECRET', dataDir, 'internal-service-secret'),
    previous: previousSecret(env, 'INTERNAL_SERVICE_SECRET_PREVIOUS'),
  };
  if (env.NODE_ENV === 'production') {
    if (fileLinkKeys.current === jwtKeys.current)
      throw new ConfigError('Invalid environment:\n  FILE_LINK_SECRET: must differ from JWT_SECRET');
    for (const [other, key] of [
      ['JWT_SECRET', jwtKeys.current],
      ['FILE_LINK_SECRET', fileLinkKeys.current],
    ] as const) {
      if (internalKeys.current === key)
        throw new ConfigError(`Invalid environment:\n  INTERNAL_SERVICE_SECRET: must differ from ${other}`);
    }
  }
  return { jwtKeys, fileLinkKeys, internalKeys };
}
