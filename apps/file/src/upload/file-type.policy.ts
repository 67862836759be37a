import { fileTypeFromBuffer } from 'file-type';

/** Bytes of the head of a file that type detection looks at. */
export const DETECTION_BYTES = 4100;

/** What may be uploaded, by the type detected from the content (never the name or the claim). */
const ALLOWED = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/heic',
  'image/bmp',
  'image/tiff',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'audio/mpeg',
  'audio/ogg',
  'audio/opus',
  'audio/wav',
  'audio/x-wav',
  'audio/flac',
  'audio/x-flac',
  'audio/aac',
  'audio/x-m4a',
  'audio/mp4',
  'video/mp4',
  'video/webm',
  'video/quicktime',
  'video/ogg',
  'text/plain',
]);

export interface DetectedType {
  mime: string;
  ext: string;
}

/** UTF-8 text without NUL bytes (the head may end inside a multi-byte character). */
function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, trimToCharBoundary(head)));
    return true;
  } catch {
    return false;
  }
}

function trimToCharBoundary(head: Buffer): number {
  let end = head.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = head[end - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte
    if (byte >= 0xc0) end -= back; // a lead byte whose sequence may be cut: drop it
    break;
  }
  return end;
}

/**
 * Detects the real type from the magic bytes; text without magic is text/plain. Returns null for
 * anything not on the allow-list (executables, archives, scripts disguised as images, ...).
 * SVG and HTML count as plain text and are served as text/plain with nosniff: never rendered.
 */
export async function detectAllowedType(head: Buffer): Promise<DetectedType | null> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return ALLOWED.has(detected.mime) ? { mime: detected.mime, ext: detected.ext } : null;
  return looksLikeText(head) ? { mime: 'text/plain', ext: 'txt' } : null;
}
