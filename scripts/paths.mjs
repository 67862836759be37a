import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const APPS = ['api', 'socket', 'file', 'worker'];
export const appEntry = (app) => resolve(ROOT_DIR, 'dist', app, 'apps', app, 'src', 'main.js');
