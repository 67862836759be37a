import { jest } from '@jest/globals';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { io } from 'socket.io-client';
import {
  chromiumPath,
  launchChromium,
  screenshot,
  startWebServer,
  type WebServer,
} from '../support/browser.js';
import { createRoomWith, createUser, fullHistory, uniqueName, type TestUser } from '../support/http.js';
import { png } from '../support/files.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { sendMessages } from '../support/load.js';
import { startAppProcess, type AppProcess } from '../support/processes.js';
import { freePort, waitUntil } from '../../scripts/harness.mjs';
import { connect } from '../support/socket.js';

jest.setTimeout(120_000);

/**
 * The web client (apps/web) in Debian's Chromium against the real apps as processes: two
 * people chatting, an image and its thumbnail, the socket app restarted mid-conversation, and
 * history scrolled back to the first message. The api and socket apps allow only the page's
 * origin (CORS_ORIGINS).
 */
const executablePath = chromiumPath();
const REDIS_URL = redisDb(REDIS_DB.web);

let browser: Browser;
let web: WebServer;
let apps: { api: AppProcess; file: AppProcess; worker: AppProcess };
let socket: AppProcess;
let socketEnv: Record<string, string>;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!executablePath) return;
  const webPort = await freePort();
  const grpcPort = String(await freePort());
  const file = await startAppProcess('file', { REDIS_URL, FILE_GRPC_PORT: grpcPort });
  const shared = {
    REDIS_URL,
    CORS_ORIGINS: `http://127.0.0.1:${webPort}`,
    FILE_PUBLIC_URL: file.url,
    FILE_GRPC_URL: `127.0.0.1:${grpcPort}`,
  };
  socketEnv = { ...shared, SOCKET_PORT: String(await freePort()) };
  const [api, worker, socketApp] = await Promise.all([
    startAppProcess('api', shared),
    startAppProcess('worker', shared),
    startAppProcess('socket', socketEnv),
  ]);
  apps = { api: api!, file, worker: worker! };
  socket = socketApp!;
  web = await startWebServer({ WEB_API_URL: api!.url, WEB_SOCKET_URL: socket.url }, webPort);
  browser = await launchChromium(executablePath);
});

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await Promise.all([socket, ...Object.values(apps ?? {})].filter(Boolean).map((app) => app.stop()));
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  return page;
}

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

const connected = (page: Page) => page.locator('.connection[data-state="connected"]').waitFor();

/** Signs in through the form (creating the account first when `create`), until connected. */
async function signIn(
  page: Page,
  username: string,
  password: string,
  create: boolean,
  hash = '',
): Promise<void> {
  await page.goto(`${web.url}/${hash}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: create ? 'Create account' : 'Sign in' }).click();
  await connected(page);
}

/** The texts of the room's timeline, top to bottom. */
const timeline = (page: Page) => page.locator('[role="log"] > ol > li .content').allTextContents();

/** Polls `read` until `done` holds or the time is up; returns the last value read. */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  let value!: T;
  await waitUntil(async () => done((value = await read())), { timeoutMs }).catch(() => {});
  return value;
}

async function expectTimeline(page: Page, expected: string[]): Promise<void> {
  const shown = await eventually(
    () => timeline(page),
    (texts) => texts.length >= expected.length,
  );
  expect(shown).toEqual(expected);
}

/** axe-core's WCAG 2.1 A and AA checks (labels, names, roles, contrast) on the page as it is now. */
async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Types into the composer and presses Enter: sending needs no mouse. */
async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

const run = executablePath ? it : it.skip;

run(
  'two people chat, see each other online, and an image shows as a thumbnail on the other side',
  async () => {
    const alice = await newPage();
    await alice.goto(web.url);
    await alice.getByLabel('Username').waitFor();
    await screenshot(alice, 'sign-in');
    await expectAccessible(alice);
    const aliceName = uniqueName('alice');
    const bobName = uniqueName('bob');
    await signIn(alice, aliceName, 'alice-password', true);

    await alice.getByLabel('New room').fill('Lunch plans');
    await alice.getByRole('button', { name: 'Create' }).click();
    await alice.getByRole('heading', { name: 'Lunch plans' }).waitFor();
    const roomId = new URL(alice.url()).hash.replace('#room=', '');
    expect(roomId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // Bob joins with the invite link pasted into the join form.
    const bob = await newPage();
    await signIn(bob, bobName, 'bob-password', true);
    await bob.getByLabel('Join a room (id or invite link)').fill(`${web.url}/#room=${roomId}`);
    await bob.getByLabel('Join a room (id or invite link)').press('Enter');
    await bob.getByRole('heading', { name: 'Lunch plans' }).waitFor();

    // Each sees the other online.
    await alice.locator('.online-list li', { hasText: bobName }).waitFor();
    await bob.locator('.online-list li', { hasText: aliceName }).waitFor();

    await say(alice, 'Pizza at noon?');
    await expectTimeline(bob, ['Pizza at noon?']);
    await say(bob, 'Sure, see you there');
    await expectTimeline(alice, ['Pizza at noon?', 'Sure, see you there']);
    await expectTimeline(bob, ['Pizza at noon?', 'Sure, see you there']);

    // An image from Alice: Bob's page shows its thumbnail, loaded from the file app.
    const image = await sharp({
      create: { width: 480, height: 320, channels: 3, background: { r: 231, g: 111, b: 81 } },
    })
      .composite([
        {
          input: Buffer.from(
            '<svg width="480" height="320"><circle cx="240" cy="200" r="90" fill="#f4a261"/><rect y="230" width="480" height="90" fill="#264653"/></svg>',
          ),
        },
      ])
      .png()
      .toBuffer();
    await alice
      .getByLabel('Attach file')
      .setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: image });
    await say(alice, 'The view from here');
    for (const page of [bob, alice]) {
      const thumbnail = page.locator('[role="log"] ol img.thumbnail[alt="sunset.png"]');
      await thumbnail.waitFor();
      // Loaded, not just placed: the browser decoded the preview the file app served.
      const [width] = await eventually(
        () => thumbnail.evaluate((img) => [(img as unknown as { naturalWidth: number }).naturalWidth]),
        ([loaded]) => loaded! > 0,
      );
      expect(width).toBeGreaterThan(0);
      expect(width).toBeLessThan(480); // the preview, not the original
      const link = await page.locator('[role="log"] ol a.file.image').getAttribute('href');
      const original = await fetch(link!);
      expect(original.status).toBe(200);
      expect(Buffer.from(await original.arrayBuffer())).toEqual(image);
    }
    await expectTimeline(bob, ['Pizza at noon?', 'Sure, see you there', 'The view from here']);

    // A bigger file shows its upload progress while it is sent, then appears on both sides.
    // (a string: this test's TypeScript has no DOM types)
    await alice.evaluate(`{
      const seen = (window.progressSeen = []);
      new MutationObserver((records) => {
        for (const record of records) seen.push(Number(record.target.value));
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['value'] });
    }`);
    const scan = png(3 * 1024 * 1024);
    await alice
      .getByLabel('Attach file')
      .setInputFiles({ name: 'scan.png', mimeType: 'image/png', buffer: scan });
    await alice.getByRole('button', { name: 'Send', exact: true }).click();
    for (const page of [alice, bob]) {
      const log = page.locator('[role="log"] ol');
      await log.locator('a.file', { hasText: 'scan.png' }).or(log.locator('img[alt="scan.png"]')).waitFor();
    }
    const progress = (await alice.evaluate('window.progressSeen')) as number[];
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(scan.length);
    expect([...progress].sort((x, y) => x - y)).toEqual(progress); // never goes back

    // Over the limit: refused on the page with the contract's reason, the connection untouched.
    await alice
      .getByLabel('Attach file')
      .setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: png(10 * 1024 * 1024 + 1) });
    await alice.getByRole('button', { name: 'Send', exact: true }).click();
    await alice
      .locator('ul.outbox li.failed', { hasText: 'not sent: the file is larger than 10 MiB' })
      .waitFor();
    await alice.locator('ul.outbox li.failed').getByRole('button', { name: 'Dismiss' }).click();
    expect(await alice.locator('.connection').getAttribute('data-state')).toBe('connected');
    await eventually(
      () => alice.locator('ul.outbox li').count(),
      (n) => n === 0,
    );
    await screenshot(alice, 'chat');
    await expectAccessible(alice);
    await screenshot(bob, 'chat-other-side');
  },
);

run(
  'the socket app restarts mid-conversation: both pages reconnect and show every message once',
  async () => {
    const [aliceUser, bobUser] = await Promise.all([createUser(apps.api.url), createUser(apps.api.url)]);
    const roomId = await createRoomWith(apps.api.url, aliceUser, [bobUser]);
    const alice = await newPage();
    const bob = await newPage();
    await signIn(alice, aliceUser.username, aliceUser.password, false, `#room=${roomId}`);
    await signIn(bob, bobUser.username, bobUser.password, false, `#room=${roomId}`);
    // Both are in the room (each sees the other online) before anyone speaks.
    await alice.locator('.online-list li', { hasText: bobUser.username }).waitFor();
    await bob.locator('.online-list li', { hasText: aliceUser.username }).waitFor();

    const before = ['one', 'two', 'three'];
    for (const [i, text] of before.entries()) {
      await say(i % 2 ? bob : alice, text);
      await expectTimeline(alice, before.slice(0, i + 1));
    }
    await expectTimeline(bob, before);

    await socket.stop();
    for (const page of [alice, bob]) await page.locator('.connection[data-state="reconnecting"]').waitFor();
    // Sent while the server is away: shown as waiting, sent by itself on reconnect.
    await say(alice, 'four, sent while away');
    await alice.locator('.connection', { hasText: '1 waiting to send' }).waitFor();
    await alice.locator('ul.outbox li', { hasText: 'four, sent while away' }).waitFor();
    await screenshot(alice, 'reconnecting');
    await expectAccessible(alice);

    socket = await startAppProcess('socket', socketEnv);
    // Bob's other device speaks before the pages are back: their rejoin replays it.
    const phone = await connect(socket.url, bobUser.accessToken);
    const early = await phone.timeout(10_000).emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'early-' + roomId,
      content: 'five, while the pages reconnect',
    });
    phone.close();
    expect(early.ok).toBe(true);

    await Promise.all([connected(alice), connected(bob)]);
    await say(bob, 'six, after the restart');
    const expected = [
      ...before,
      'four, sent while away',
      'five, while the pages reconnect',
      'six, after the restart',
    ];
    // 'four' and 'five' reach the server in either order: compare as sets, then the order with history.
    for (const page of [alice, bob]) {
      const shown = await eventually(
        () => timeline(page),
        (texts) => texts.length >= expected.length,
      );
      expect([...shown].sort()).toEqual([...expected].sort());
      const ids = await page
        .locator('[role="log"] > ol > li')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-id')));
      expect(new Set(ids).size).toBe(ids.length);
    }
    const history = await fullHistory(apps.api.url, aliceUser, roomId);
    expect(await timeline(alice)).toEqual(history.map((m) => m.content));
    expect(await timeline(bob)).toEqual(history.map((m) => m.content));
    expect(await alice.locator('ul.outbox li').count()).toBe(0);
  },
);

run('history scrolls back, a page at a time, to the first message', async () => {
  const owner = await createUser(apps.api.url);
  const roomId = await createRoomWith(apps.api.url, owner, []);
  const sender = await connect(socket.url, owner.accessToken);
  expect(await sender.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  const { failures } = await sendMessages(sender, roomId, 'line', 130, { inFlight: 1 });
  sender.close();
  expect(failures).toEqual({});
  const expected = Array.from({ length: 130 }, (_, i) => `line ${i}`);

  const page = await newPage();
  await signIn(page, owner.username, owner.password, false, `#room=${roomId}`);
  // The newest page first, scrolled to the bottom.
  await expectTimeline(page, expected.slice(-50));
  await page.getByText('line 129', { exact: true }).waitFor();
  const status = page.locator('.history-status');
  const scroller = page.locator('.scroller');
  const BEGINNING = 'This is the beginning of the room.';
  for (let pages = 0; (await status.textContent()) !== BEGINNING; pages++) {
    expect(pages).toBeLessThan(10);
    const shown = (await timeline(page)).length;
    await scroller.hover();
    await page.mouse.wheel(0, -5000);
    // The scroll loads an older page, or finds the beginning; a scroll that did neither is retried.
    await waitUntil(
      async () => (await timeline(page)).length > shown || (await status.textContent()) === BEGINNING,
      { what: 'an older page', timeoutMs: 2000 },
    ).catch(() => {});
  }
  expect(await timeline(page)).toEqual(expected);
  // The last page went in above what the reader saw; one more scroll up shows the first message.
  await page.mouse.wheel(0, -5000);
  const inView = async () => {
    const view = (await scroller.boundingBox())!;
    const first = (await page.getByText('line 0', { exact: true }).boundingBox())!;
    return first.y >= view.y && first.y + first.height <= view.y + view.height;
  };
  expect(await eventually(inView, Boolean)).toBe(true);
  await screenshot(page, 'history');
});

run('other origins are refused by the api and the socket app', async () => {
  // The same page from another origin: the browser blocks the api's answer (CORS).
  const page = await newPage();
  await page.goto(web.url.replace('127.0.0.1', 'localhost'));
  await page.getByLabel('Username').fill(uniqueName('eve'));
  await page.getByLabel('Password').fill('eve-password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('alert').filter({ hasText: 'cannot be reached' }).waitFor();

  // A WebSocket handshake carrying another page's origin is refused too.
  const user: TestUser = await createUser(apps.api.url);
  const client = io(socket.url, {
    auth: { token: user.accessToken },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { origin: 'https://elsewhere.example' },
  });
  const outcome = await new Promise<string>((resolve) => {
    client.once('connect', () => resolve('connected'));
    client.once('connect_error', (error) => resolve(`refused: ${error.message}`));
  });
  client.close();
  expect(outcome).toMatch(/^refused/);
  // Without an Origin (a server-side client), or with the page's, it connects.
  (await connect(socket.url, user.accessToken)).close();
});
