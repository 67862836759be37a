import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const APPS = ['api', 'socket', 'file', 'worker'];
export const appEntry = (app) => resolve(ROOT_DIR, 'dist', app, 'apps', app, 'src', 'main.js');

/**
 * Node flags an app runs with (npm start, the bench, its container). The socket app allocates
 * about 100 MB/s under load (a packet, a frame and a write per delivery); with V8's default
 * 16 MB young generation it collected every 75 ms and promoted what was still in flight. A 64 MB
 * one collects a quarter as often and lets most of it die young: seed-003's p99 halved.
 */
export const NODE_FLAGS = { socket: ['--max-semi-space-size=64'] };
export const nodeFlags = (app) => NODE_FLAGS[app] ?? [];
