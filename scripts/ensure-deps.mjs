// Installs node_modules when missing or older than package-lock.json. Builtins only: it runs
// before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from './paths.mjs';

export function ensureDeps() {
  const marker = join(ROOT_DIR, 'node_modules', '.package-lock.json');
  const lock = join(ROOT_DIR, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  // `npm install` honours package-lock.json; `npm ci` is avoided because npm 11 writes @swc/core's
  // lock entry without its platform binaries and then refuses that same lock in `npm ci`.
  console.log('[setup] installing dependencies (npm install from package-lock.json)');
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: ROOT_DIR,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT_DIR, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`[setup] ${command} ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}

export function build() {
  run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']);
}
