import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, spawnApp } from '../../scripts/harness.mjs';
import { ROOT_DIR } from '../../scripts/paths.mjs';
import { machineTool } from './tools.js';

/** Where the browser tests leave their screenshots (CI keeps them as artefacts). */
export const SCREENSHOT_DIR = join(ROOT_DIR, 'test-results', 'web');

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
  const web = await spawnApp('web', {
    entry: join(ROOT_DIR, 'node_modules', 'vite', 'bin', 'vite.js'),
    args: ['preview', '--config', 'apps/web/vite.config.ts'],
    env: { ...env, WEB_PORT: String(port) },
    port,
    healthPath: '/config.json',
    timeoutMs: 20_000,
    output: join(process.env.DATA_DIR!, `web-${port}.log`),
  });
  return { url: web.url, stop: async () => void (await web.stop()) };
}

/** Saves a full-page screenshot under test-results/web/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
