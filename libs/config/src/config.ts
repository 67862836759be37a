import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { envSchema, type Env } from './config.schema.js';

export interface AppConfig extends Env {
  /** Absolute path of DATA_DIR. */
  dataDir: string;
  /** The JWT signing secret: JWT_SECRET, or in development one kept in DATA_DIR. */
  jwtSecret: string;
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
    jwtSecret: resolveJwtSecret(env, dataDir),
  });
}

/**
 * JWT_SECRET, else the content of JWT_SECRET_FILE. In production a missing secret fails the start. In development a random secret is created
 * once in DATA_DIR so that restarts (and the other apps) keep accepting the same tokens; the
 * exclusive create makes concurrent first starts agree on one secret.
 */
function resolveJwtSecret(env: Env, dataDir: string): string {
  if (env.JWT_SECRET) return env.JWT_SECRET;
  if (env.JWT_SECRET_FILE) {
    let secret: string;
    try {
      secret = readFileSync(env.JWT_SECRET_FILE, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(
        `Invalid environment:\n  JWT_SECRET_FILE: cannot read ${env.JWT_SECRET_FILE} (${(error as Error).message})`,
      );
    }
    if (secret.length < 32)
      throw new ConfigError(
        'Invalid environment:\n  JWT_SECRET_FILE: the secret must be at least 32 characters',
      );
    return secret;
  }
  if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      'Invalid environment:\n  JWT_SECRET: required when NODE_ENV=production (or JWT_SECRET_FILE)',
    );
  }
  const file = join(dataDir, 'secrets', 'jwt-secret');
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
