import { randomBytes } from 'node:crypto';

/** A real 1×1 PNG; random bytes after its IEND make files of any size that still are PNGs. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A PNG (by its magic bytes) of exactly `size` bytes. */
export const png = (size: number) => Buffer.concat([PNG_1X1, randomBytes(size - PNG_1X1.length)]);
