/**
 * A Content-Disposition header that is safe whatever the original name: an ASCII fallback
 * without quotes, backslashes or control characters, plus the UTF-8 name per RFC 5987.
 * Images, audio, video and PDF are shown inline (for <img>, <audio>, viewers); the rest downloads.
 */
export function contentDisposition(name: string, mime: string): string {
  const inline = /^(image|audio|video)\//.test(mime) || mime === 'application/pdf';
  const ascii =
    name
      .replace(/[^\x20-\x7e]/g, '_')
      .replace(/["\\/;]/g, '_')
      .trim() || 'file';
  const utf8 = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
