// How `npm start` prints what its apps and its supervisor say. Not a terminal (a file, a pipe, a
// log shipper): pino's JSON lines exactly as the apps wrote them, and the supervisor's own events
// as JSON lines of the same shape. A terminal: one readable line each, through pino-pretty,
// `HH:MM:ss.l LEVEL: [app] msg {other fields}` (an error's stack below it). A line that is not a
// pino record (a Node warning, a crash's stack) keeps its text, after its app's [tag].
import { prettyFactory } from 'pino-pretty';

export const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** The pino record in `line`, or null when the line is anything else. */
export function parseRecord(line) {
  if (!line.startsWith('{')) return null;
  try {
    const record = JSON.parse(line);
    return typeof record?.level === 'number' ? record : null;
  } catch {
    return null;
  }
}

/**
 * `pretty`: readable lines (default: when `out` is a terminal); `colors`: ANSI colours in them
 * (default: what the terminal supports, which honours NO_COLOR).
 */
export function createLogWriter({
  out = process.stdout,
  pretty = Boolean(out.isTTY),
  colors = pretty && Boolean(out.hasColors?.()),
} = {}) {
  const formatters = new Map();
  const formatterFor = (label) => {
    let format = formatters.get(label);
    if (!format) {
      format = prettyFactory({
        colorize: colors,
        translateTime: 'SYS:HH:MM:ss.l',
        customPrettifiers: { time: (time) => time },
        ignore: 'pid,hostname,name',
        singleLine: true,
        messageFormat: (record, messageKey) => `[${label}] ${record[messageKey] ?? ''}`,
      });
      formatters.set(label, format);
    }
    return format;
  };
  const writeRecord = (label, record, line) =>
    out.write(pretty ? formatterFor(label)(record) : `${line ?? JSON.stringify(record)}\n`);

  return {
    /** A line `label`'s process printed. */
    line(label, line) {
      const record = parseRecord(line);
      if (record) writeRecord(label, record, line);
      else out.write(`[${label}] ${line}\n`);
    },
    /** An event of `label` (the supervisor's own), at `level` (a key of LEVELS). */
    event(label, level, msg, fields = {}) {
      writeRecord(label, { level: LEVELS[level], time: Date.now(), name: label, ...fields, msg });
    },
  };
}
