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
]);

export interface DetectedType {
  mime: string;
  ext: string;
}

const TEXT: DetectedType = { mime: 'text/plain', ext: 'txt' };
/** What an unrecognised file that is not text is: stored, and only ever downloaded. */
const BINARY: DetectedType = { mime: 'application/octet-stream', ext: 'bin' };

/**
 * C0 control bytes that text does not contain: all but tab, line feed, vertical tab, form feed,
 * carriage return and escape (terminal colours); and DEL.
 */
const BINARY_CONTROL = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte++)
  if (![0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b].includes(byte)) BINARY_CONTROL[byte] = 1;
BINARY_CONTROL[0x7f] = 1;

/**
 * Follows an upload chunk by chunk and says at the end whether the whole of it is UTF-8 text:
 * valid UTF-8 (a character may span two chunks), without NUL or other binary control bytes.
 * Stops looking at the first byte that is not.
 */
export class TextSniffer {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private text = true;

  push(chunk: Uint8Array): void {
    if (!this.text) return;
    for (let i = 0; i < chunk.length; i++) {
      if (BINARY_CONTROL[chunk[i]!]) {
        this.text = false;
        return;
      }
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      this.text = false;
    }
  }

  /** After the last chunk: a character cut off at the end is not text either. */
  end(): boolean {
    if (!this.text) return false;
    try {
      this.decoder.decode();
    } catch {
      this.text = false;
    }
    return this.text;
  }
}

/** Whether a whole buffer is text, by the same rule as TextSniffer. */
export function isText(data: Uint8Array): boolean {
  const sniffer = new TextSniffer();
  sniffer.push(data);
  return sniffer.end();
}

/**
 * Detects the real type from the magic bytes of the head. Returns null for a recognised type
 * that is not on the allow-list (executables, archives, ...). A file without magic is
 * text/plain when the whole of it is text (`wholeFileIsText`, from a TextSniffer fed every
 * chunk), else application/octet-stream: never text because only its beginning looked like it.
 * SVG and HTML count as plain text and are served as text/plain with nosniff: never rendered.
 */
export async function detectAllowedType(
  head: Buffer,
  wholeFileIsText: boolean,
): Promise<DetectedType | null> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return ALLOWED.has(detected.mime) ? { mime: detected.mime, ext: detected.ext } : null;
  return wholeFileIsText ? TEXT : BINARY;
}
