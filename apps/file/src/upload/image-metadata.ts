import { crc32 } from 'node:zlib';

/*
 * Removes metadata (EXIF with its GPS position, XMP, IPTC, comments) from images without
 * re-encoding them: the compressed image data is copied byte for byte, so nothing is lost.
 *
 * - JPEG: the APPn and COM segments go, except JFIF (APP0), the ICC profile (APP2) and Adobe's
 *   colour transform (APP14), which decoders need; so do bytes after the end of the image
 *   (multi-picture secondary images carry EXIF of their own).
 * - PNG: eXIf and the text chunks (tEXt, zTXt, iTXt, where XMP lives) and tIME go.
 * - WebP: the EXIF and XMP chunks go, and the VP8X flags say so.
 * - TIFF, HEIC, AVIF: their containers cannot be rewritten this simply, so the location is
 *   erased in place: each EXIF GPS directory is zeroed (entries and values), and GPS and place
 *   properties in XMP are blanked with spaces. Sizes and offsets do not move.
 *
 * The EXIF orientation is kept (as a minimal EXIF of one tag): without it a phone photo shows
 * sideways. An image whose structure cannot be followed is left as it is when it carries no
 * metadata signature at all, and refused otherwise (UnstrippableImageError).
 */

export class UnstrippableImageError extends Error {
  override name = 'UnstrippableImageError';
}

/** Thrown inside the walkers; turned into "unchanged" or UnstrippableImageError. */
class MalformedImage extends Error {}

export interface StripResult {
  /** The image without its metadata; the input itself when there was nothing to remove. */
  data: Buffer;
  changed: boolean;
}

/**
 * Byte strings that only metadata contains, long enough that random image data does not (a PNG
 * eXIf chunk is its type followed by a TIFF header).
 */
const SIGNATURES = [
  'Exif\0\0',
  'eXIfMM\0\x2a',
  'eXIfII\x2a\0',
  '<x:xmpmeta',
  'http://ns.adobe.com/xap/1.0/',
  'Photoshop 3.0\0',
].map((s) => Buffer.from(s, 'latin1'));

const hasSignature = (data: Buffer) => SIGNATURES.some((signature) => data.includes(signature));

export function stripImageMetadata(data: Buffer, mime: string): StripResult {
  const strip = STRIPPERS[mime];
  if (!strip) return { data, changed: false };
  try {
    const stripped = strip(data);
    return stripped ? { data: stripped, changed: true } : { data, changed: false };
  } catch (error) {
    if (!(error instanceof MalformedImage)) throw error;
    if (!hasSignature(data)) return { data, changed: false };
    throw new UnstrippableImageError(`${mime}: ${error.message}, and it carries metadata`);
  }
}

/** Each returns the stripped image, or null when there is nothing to remove. */
const STRIPPERS: Record<string, (data: Buffer) => Buffer | null> = {
  'image/jpeg': stripJpeg,
  'image/png': stripPng,
  'image/webp': stripWebp,
  'image/tiff': (data) => scrubInPlace(data, [0]),
  'image/heic': (data) => scrubInPlace(data, findExifTiffs(data)),
  'image/avif': (data) => scrubInPlace(data, findExifTiffs(data)),
};

function need(condition: boolean, what: string): asserts condition {
  if (!condition) throw new MalformedImage(what);
}

// ---------------------------------------------------------------------------------- EXIF / TIFF

interface Tiff {
  data: Buffer;
  /** Where the TIFF header starts: offsets inside are relative to it. */
  base: number;
  le: boolean;
}

function openTiff(data: Buffer, base: number): Tiff | null {
  if (base + 8 > data.length) return null;
  const order = data.toString('latin1', base, base + 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  if ((le ? data.readUInt16LE(base + 2) : data.readUInt16BE(base + 2)) !== 42) return null;
  return { data, base, le };
}

const u16 = (t: Tiff, offset: number) =>
  t.le ? t.data.readUInt16LE(t.base + offset) : t.data.readUInt16BE(t.base + offset);
const u32 = (t: Tiff, offset: number) =>
  t.le ? t.data.readUInt32LE(t.base + offset) : t.data.readUInt32BE(t.base + offset);

/** Bytes per value of each TIFF field type (1 BYTE … 13 IFD). */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];
const ORIENTATION = 0x0112;
const GPS_IFD = 0x8825;
const XMP_TAG = 700;
const MAX_IFDS = 16;

/** The entries of the directory at `offset`, checked to lie inside the data. */
function directory(t: Tiff, offset: number): { count: number; next: number } {
  need(offset >= 8 && t.base + offset + 2 <= t.data.length, 'a directory outside the data');
  const count = u16(t, offset);
  need(count <= 1000 && t.base + offset + 2 + count * 12 + 4 <= t.data.length, 'a directory past the end');
  return { count, next: u32(t, offset + 2 + count * 12) };
}

/** Where an entry's values are, and how many bytes; null for an unknown type. */
function entryValues(t: Tiff, entry: number): { at: number; size: number } | null {
  const type = u16(t, entry + 2);
  if (type === 0 || type >= TYPE_SIZE.length) return null;
  const size = TYPE_SIZE[type]! * u32(t, entry + 4);
  const at = size <= 4 ? entry + 8 : u32(t, entry + 8);
  need(t.base + at + size <= t.data.length, 'a value past the end');
  return { at, size };
}

/** The orientation (1-8) of an EXIF/TIFF structure, or null when it states none. */
function readOrientation(t: Tiff): number | null {
  const { count } = directory(t, u32(t, 4));
  for (let i = 0; i < count; i++) {
    const entry = u32(t, 4) + 2 + i * 12;
    if (u16(t, entry) !== ORIENTATION || u16(t, entry + 2) !== 3) continue;
    const value = u16(t, entry + 8);
    return value >= 1 && value <= 8 ? value : null;
  }
  return null;
}

/** A big-endian TIFF structure of one tag, the orientation: all the EXIF that is kept. */
function orientationTiff(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(ORIENTATION, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  return tiff; // the next-directory offset (bytes 22-25) stays 0
}

/** Whether EXIF data is nothing but what this module keeps: one directory of one tag, the orientation. */
function isOrientationOnly(exif: Buffer): boolean {
  const t = openTiff(exif, exif.toString('latin1', 0, 6) === 'Exif\0\0' ? 6 : 0);
  if (!t) return false;
  try {
    const ifd0 = u32(t, 4);
    const { count, next } = directory(t, ifd0);
    return count === 1 && next === 0 && u16(t, ifd0 + 2) === ORIENTATION;
  } catch (error) {
    if (error instanceof MalformedImage) return false;
    throw error;
  }
}

/** The orientation of EXIF data that may or may not start with "Exif\0\0". */
function exifOrientation(exif: Buffer): number | null {
  const t = openTiff(exif, exif.toString('latin1', 0, 6) === 'Exif\0\0' ? 6 : 0);
  if (!t) return null;
  try {
    return readOrientation(t);
  } catch (error) {
    if (error instanceof MalformedImage) return null; // the EXIF goes anyway
    throw error;
  }
}

/**
 * Zeroes every GPS directory (its entries and their values) reachable from the directories of
 * the TIFF structure, and blanks the location in the XMP packet it holds. Returns whether it
 * changed anything.
 */
function scrubTiff(t: Tiff): boolean {
  let changed = false;
  let offset = u32(t, 4);
  for (let ifd = 0; offset !== 0 && ifd < MAX_IFDS; ifd++) {
    const { count, next } = directory(t, offset);
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + i * 12;
      const tag = u16(t, entry);
      if (tag === GPS_IFD) changed = zeroDirectory(t, u32(t, entry + 8)) || changed;
      if (tag === XMP_TAG) {
        const values = entryValues(t, entry);
        if (values)
          changed = blankXmpLocation(t.data, t.base + values.at, t.base + values.at + values.size) || changed;
      }
    }
    offset = next;
  }
  return changed;
}

function zeroDirectory(t: Tiff, offset: number): boolean {
  const { count } = directory(t, offset);
  if (count === 0) return false;
  for (let i = 0; i < count; i++) {
    const values = entryValues(t, offset + 2 + i * 12);
    if (values) t.data.fill(0, t.base + values.at, t.base + values.at + values.size);
  }
  // Count 0 and no next directory: an empty, valid GPS directory.
  t.data.fill(0, t.base + offset, t.base + offset + 2 + count * 12 + 4);
  return true;
}

/**
 * TIFF headers of the EXIF blocks inside an ISO-BMFF image (HEIC, AVIF): after "Exif\0\0" (the
 * item's usual prefix; the same bytes also name the item's type, followed by no TIFF header),
 * or on their own with the usual first-directory offset.
 */
function findExifTiffs(data: Buffer): number[] {
  const found = new Set<number>();
  for (const signature of ['Exif\0\0', 'MM\0\x2a\0\0\0\x08', 'II\x2a\0\x08\0\0\0']) {
    const bytes = Buffer.from(signature, 'latin1');
    const skip = signature.startsWith('Exif') ? bytes.length : 0;
    for (let at = data.indexOf(bytes); at >= 0; at = data.indexOf(bytes, at + 1))
      if (openTiff(data, at + skip)) found.add(at + skip);
  }
  return [...found];
}

/**
 * Erases the location in place in the TIFF structures starting at `bases`, and in every XMP
 * packet of the file. A copy is changed: the input is left alone.
 */
function scrubInPlace(input: Buffer, bases: number[]): Buffer | null {
  const data = Buffer.from(input);
  let changed = false;
  for (const base of bases) {
    const t = openTiff(data, base);
    need(t !== null, 'no TIFF header where one should be');
    changed = scrubTiff(t) || changed;
  }
  changed = blankXmpLocation(data, 0, data.length) || changed;
  return changed ? data : null;
}

// ------------------------------------------------------------------------------------------- XMP

/** XMP properties that place the picture: the EXIF GPS ones, and IPTC/Photoshop place names. */
const PLACE = String.raw`[\w.-]+:(?:GPS[A-Za-z]*|City|State|Country|CountryCode|Location|LocationCreated|LocationShown|Sublocation|ProvinceState|CountryName)`;
const PLACE_ATTRIBUTE = new RegExp(String.raw`\b${PLACE}\s*=\s*(?:"[^"]*"|'[^']*')`, 'g');
const PLACE_ELEMENT = new RegExp(String.raw`<(${PLACE})\b[^>]*?(?:/>|>[\s\S]*?</\1\s*>)`, 'g');
const XMP_START = Buffer.from('<x:xmpmeta', 'latin1');
const XMP_END = Buffer.from('</x:xmpmeta>', 'latin1');

/**
 * Overwrites place properties in the XMP packets between `start` and `end` with spaces of the
 * same length (XMP is made for in-place edits: the XML stays well-formed and nothing moves).
 */
function blankXmpLocation(data: Buffer, start: number, end: number): boolean {
  let changed = false;
  for (let at = data.indexOf(XMP_START, start); at >= 0 && at < end; at = data.indexOf(XMP_START, at + 1)) {
    const close = data.indexOf(XMP_END, at);
    const packetEnd = close < 0 || close > end ? end : close + XMP_END.length;
    const packet = data.toString('latin1', at, packetEnd);
    const blanked = packet
      .replace(PLACE_ELEMENT, (m) => ' '.repeat(m.length))
      .replace(PLACE_ATTRIBUTE, (m) => ' '.repeat(m.length));
    if (blanked !== packet) {
      data.write(blanked, at, 'latin1');
      changed = true;
    }
  }
  return changed;
}

// ------------------------------------------------------------------------------------------ JPEG

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;

/** Which APPn segments a decoder needs: JFIF, the ICC profile, Adobe's colour transform. */
function keepAppSegment(marker: number, payload: Buffer): boolean {
  const starts = (prefix: string) => payload.toString('latin1', 0, prefix.length) === prefix;
  if (marker === 0xe0) return starts('JFIF\0');
  if (marker === 0xe1) return starts('Exif\0\0') && isOrientationOnly(payload); // one stripped before
  if (marker === 0xe2) return starts('ICC_PROFILE\0');
  if (marker === 0xee) return starts('Adobe');
  return false;
}

function stripJpeg(data: Buffer): Buffer | null {
  need(data.length >= 4 && data[0] === 0xff && data[1] === SOI, 'no start of image');
  const kept: Buffer[] = [data.subarray(0, 2)];
  let dropped = false;
  let orientation: number | null = null;
  let orientationKept = false; // an orientation-only EXIF (stripped before) stays as it is
  let afterJfif = 1; // where the orientation EXIF goes: after SOI, or after JFIF
  let pos = 2;
  let end = data.length; // the end of the image, when an EOI marker is found
  while (pos < data.length) {
    need(data[pos] === 0xff, `no marker at ${pos}`);
    let markerAt = pos;
    while (markerAt + 1 < data.length && data[markerAt + 1] === 0xff) markerAt++; // fill bytes
    need(markerAt + 1 < data.length, 'a marker cut off');
    const marker = data[markerAt + 1]!;
    if (marker === EOI) {
      kept.push(data.subarray(pos, markerAt + 2));
      end = markerAt + 2;
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      kept.push(data.subarray(pos, markerAt + 2));
      pos = markerAt + 2;
      continue;
    }
    need(markerAt + 4 <= data.length, 'a segment length cut off');
    const segmentEnd = markerAt + 2 + data.readUInt16BE(markerAt + 2);
    need(segmentEnd <= data.length && segmentEnd >= markerAt + 4, `a segment past the end at ${pos}`);
    const payload = data.subarray(markerAt + 4, segmentEnd);
    if ((marker >= 0xe0 && marker <= 0xef) || marker === COM) {
      if (marker === 0xe1 && payload.toString('latin1', 0, 6) === 'Exif\0\0')
        orientation ??= exifOrientation(payload);
      if (marker !== COM && keepAppSegment(marker, payload)) {
        kept.push(data.subarray(pos, segmentEnd));
        if (marker === 0xe0) afterJfif = kept.length;
        if (marker === 0xe1) orientationKept = true;
      } else dropped = true;
      pos = segmentEnd;
      continue;
    }
    if (marker !== SOS) {
      kept.push(data.subarray(pos, segmentEnd));
      pos = segmentEnd;
      continue;
    }
    // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart.
    let scan = segmentEnd;
    while (scan + 1 < data.length) {
      const next = data[scan + 1]!;
      if (data[scan] === 0xff && next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) break;
      scan++;
    }
    if (scan + 1 >= data.length) scan = data.length; // a truncated image: keep what there is
    kept.push(data.subarray(pos, scan));
    pos = scan;
  }
  const trailer = data.subarray(end);
  if (!dropped && !(trailer.length && hasSignature(trailer))) return null;
  if (!orientationKept && orientation !== null && orientation !== 1) {
    const exif = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), orientationTiff(orientation)]);
    const header = Buffer.from([0xff, 0xe1, 0, 0]);
    header.writeUInt16BE(exif.length + 2, 2);
    kept.splice(afterJfif, 0, header, exif);
  }
  return Buffer.concat(kept);
}

// ------------------------------------------------------------------------------------------- PNG

const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');
const PNG_DROPPED = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function pngChunk(type: string, payload: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + payload.length);
  chunk.writeUInt32BE(payload.length, 0);
  chunk.write(type, 4, 'latin1');
  payload.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + payload.length)), 8 + payload.length);
  return chunk;
}

function stripPng(data: Buffer): Buffer | null {
  need(data.length >= 8 && data.subarray(0, 8).equals(PNG_SIGNATURE), 'no PNG signature');
  const kept: Buffer[] = [PNG_SIGNATURE];
  let dropped = false;
  let orientation: number | null = null;
  let orientationKept = false;
  let firstData = -1; // where the orientation eXIf goes: before the image data
  let pos = 8;
  let end = data.length;
  for (;;) {
    need(pos + 12 <= data.length, 'a chunk cut off');
    const length = data.readUInt32BE(pos);
    const chunkEnd = pos + 12 + length;
    need(length < 0x80000000 && chunkEnd <= data.length, `a chunk past the end at ${pos}`);
    const type = data.toString('latin1', pos + 4, pos + 8);
    const orientationOnly = type === 'eXIf' && isOrientationOnly(data.subarray(pos + 8, pos + 8 + length));
    if (PNG_DROPPED.has(type) && !orientationOnly) {
      if (type === 'eXIf') orientation ??= exifOrientation(data.subarray(pos + 8, pos + 8 + length));
      dropped = true;
    } else {
      orientationKept ||= orientationOnly;
      if (firstData < 0 && (type === 'IDAT' || type === 'acTL')) firstData = kept.length;
      kept.push(data.subarray(pos, chunkEnd));
    }
    pos = chunkEnd;
    if (type === 'IEND') {
      end = pos;
      break;
    }
  }
  const trailer = data.subarray(end);
  if (!dropped && !(trailer.length && hasSignature(trailer))) return null;
  if (!orientationKept && orientation !== null && orientation !== 1)
    kept.splice(firstData < 0 ? 1 : firstData, 0, pngChunk('eXIf', orientationTiff(orientation)));
  return Buffer.concat(kept);
}

// ------------------------------------------------------------------------------------------ WebP

const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function stripWebp(data: Buffer): Buffer | null {
  need(
    data.length >= 12 &&
      data.toString('latin1', 0, 4) === 'RIFF' &&
      data.toString('latin1', 8, 12) === 'WEBP',
    'no RIFF WEBP header',
  );
  const riffEnd = 8 + data.readUInt32LE(4);
  need(riffEnd <= data.length, 'the RIFF size is past the end');
  const kept: Buffer[] = [];
  let dropped = false;
  let orientation: number | null = null;
  let orientationKept = false;
  let vp8x: Buffer | null = null;
  for (let pos = 12; pos < riffEnd;) {
    need(pos + 8 <= riffEnd, 'a chunk cut off');
    const type = data.toString('latin1', pos, pos + 4);
    const size = data.readUInt32LE(pos + 4);
    const chunkEnd = pos + 8 + size + (size & 1);
    need(
      chunkEnd <= riffEnd || (chunkEnd === riffEnd + 1 && (size & 1) === 1),
      `a chunk past the end at ${pos}`,
    );
    const chunk = data.subarray(pos, Math.min(chunkEnd, riffEnd));
    const orientationOnly = type === 'EXIF' && isOrientationOnly(data.subarray(pos + 8, pos + 8 + size));
    if ((type === 'EXIF' && !orientationOnly) || type === 'XMP ') {
      if (type === 'EXIF') orientation ??= exifOrientation(data.subarray(pos + 8, pos + 8 + size));
      dropped = true;
    } else if (orientationOnly) {
      orientationKept = true;
      kept.push(chunk);
    } else if (type === 'VP8X') {
      vp8x = Buffer.from(chunk); // its flags change below
      kept.push(vp8x);
    } else kept.push(chunk);
    pos = chunkEnd;
  }
  const trailer = data.subarray(riffEnd);
  if (!dropped && !(trailer.length && hasSignature(trailer))) return null;
  const keepOrientation = !orientationKept && orientation !== null && orientation !== 1 && vp8x !== null;
  if (vp8x && vp8x.length > 8) {
    vp8x[8] = (vp8x[8]! & ~(VP8X_EXIF | VP8X_XMP)) | (keepOrientation || orientationKept ? VP8X_EXIF : 0);
  }
  if (keepOrientation) {
    const tiff = orientationTiff(orientation!);
    const header = Buffer.alloc(8);
    header.write('EXIF', 0, 'latin1');
    header.writeUInt32LE(tiff.length, 4);
    kept.push(header, tiff); // 26 bytes: even, no padding
  }
  const body = Buffer.concat(kept);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + body.length, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, body]);
}
