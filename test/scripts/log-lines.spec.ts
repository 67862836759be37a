import { createLogWriter } from '../../scripts/log-lines.mjs';

/**
 * What `npm start` prints (scripts/log-lines.mjs): readable lines in a terminal, the apps' JSON
 * lines untouched anywhere else, and other lines as they came, tagged with their app.
 */
const PINO_LINE =
  '{"level":30,"time":1764669000123,"pid":4242,"hostname":"box","name":"api","context":"RoutesResolver","msg":"rooms ready"}';

function capture(options: { pretty: boolean; colors?: boolean }) {
  let text = '';
  const writer = createLogWriter({ out: { write: (chunk: string) => (text += chunk) }, ...options });
  return { writer, text: () => text };
}

it('formats pino lines for a terminal and tags other lines', () => {
  const { writer, text } = capture({ pretty: true, colors: false });
  writer.line('api', PINO_LINE);
  writer.line('api', '(node:4242) Warning: something plain');
  writer.line('api', '{"not":"a pino record"}');
  writer.event('start', 'error', 'api exited (SIGKILL); restarting in 0.5 s', { delayMs: 500 });
  expect(text().split('\n')).toEqual([
    expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO: \[api\] rooms ready \{"context":"RoutesResolver"\}$/),
    '[api] (node:4242) Warning: something plain',
    '[api] {"not":"a pino record"}',
    expect.stringMatching(
      /^\d\d:\d\d:\d\d\.\d{3} ERROR: \[start\] api exited \(SIGKILL\); restarting in 0.5 s \{"delayMs":500\}$/,
    ),
    '',
  ]);
});

it('keeps JSON lines as they are when the output is not a terminal', () => {
  const { writer, text } = capture({ pretty: false });
  writer.line('api', PINO_LINE);
  writer.line('api', 'plain');
  writer.event('start', 'warn', 'stubborn still running', { pid: 7 });
  const [app, plain, event, end] = text().split('\n');
  expect([app, plain, end]).toEqual([PINO_LINE, '[api] plain', '']);
  expect(JSON.parse(event)).toEqual({
    level: 40,
    time: expect.any(Number),
    name: 'start',
    pid: 7,
    msg: 'stubborn still running',
  });
});

it('chooses by the output: readable on a terminal, JSON elsewhere', () => {
  let text = '';
  const write = (chunk: string) => (text += chunk);
  createLogWriter({ out: { write, isTTY: true, hasColors: () => false } }).line('api', PINO_LINE);
  createLogWriter({ out: { write } }).line('api', PINO_LINE);
  const [tty, pipe] = text.split('\n');
  expect(tty).toMatch(/ INFO: \[api\] rooms ready/);
  expect(pipe).toBe(PINO_LINE);
});
