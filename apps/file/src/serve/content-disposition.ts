import { displayName } from '../upload/display-name.js';

/**
 * A Content-Disposition header that is safe whatever the stored name: always `attachment`, so
 * that no file is ever rendered in the page's origin by navigating to it (an <img>, <audio> or
 * <video> element ignores the header and still shows it); the name without hidden or bidi
 * characters (also for files stored before they were removed at upload), as an ASCII fallback
 * without quotes, backslashes or control characters, plus the UTF-8 name per RFC 6266 / 8187.
 */
export function contentDisposition(name: string): string {
  const safe = displayName(name);
  const ascii =
    safe
      .replace(/[^\x20-\x7e]/g, '_')
      .replace(/["\\/;%]/g, '_')
      .trim() || 'file';
  const utf8 = encodeURIComponent(safe).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
