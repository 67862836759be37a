import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitUntilAnswers } from './processes.js';
import { freePort } from './redis-server.js';
import { machineTool } from './tools.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Where the browser tests leave their screenshots (CI keeps them as artefacts). */
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'web');

/** Debian's Chromium (.ci/run installs it); null where it is missing outside CI. */
export function chromiumPath(): string | null {
  return machineTool('chromium');
}

/** Headless Chromium as this machine runs it: no sandbox as root, no calls home. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface WebServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the built web client (dist/web) the way `npm start` does (`vite preview`), telling the
 * page where the api and socket apps are through /config.json.
 */
export async function startWebServer(
  env: { WEB_API_URL: string; WEB_SOCKET_URL: string },
  port?: number,
): Promise<WebServer> {
  port ??= await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview', '--config', 'apps/web/vite.config.ts'],
    { cwd: ROOT, env: { ...process.env, ...env, WEB_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilAnswers(`${url}/config.json`, 'web server', 20_000, child).catch((error: Error) => {
    throw new Error(`${error.message}: ${output}`);
  });
  return {
    url,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Saves a full-page screenshot under test-results/web/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
