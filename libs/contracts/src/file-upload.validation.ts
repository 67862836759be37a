import { AppError, ErrorCode } from './error-code.js';
import { parseRoomId } from './room-id.js';
import type { FileBeginPayload, FileChunkPayload, FileResumePayload } from './socket-events.js';

/** Upload ids are random UUIDs, in their one lower-case spelling. */
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function invalid(message: string): AppError {
  return new AppError(ErrorCode.VALIDATION, message);
}

export function parseUploadId(value: unknown): string {
  if (typeof value !== 'string' || !UPLOAD_ID.test(value))
    throw invalid('uploadId must be the id file:begin answered');
  return value;
}

/** file:begin: a new upload `{roomId, name, mime?, size}`, or the resume of one `{uploadId}`. */
export function parseFileBegin(payload: unknown): FileBeginPayload | FileResumePayload {
  if (typeof payload !== 'object' || payload === null) throw invalid('payload must be an object');
  const p = payload as Record<string, unknown>;
  if (p.uploadId !== undefined) return { uploadId: parseUploadId(p.uploadId) };
  const roomId = parseRoomId(p.roomId);
  if (typeof p.name !== 'string' || p.name.length < 1 || p.name.length > 255)
    throw invalid('name must be a string of 1 to 255 characters');
  if (p.mime !== undefined && typeof p.mime !== 'string') throw invalid('mime must be a string');
  if (typeof p.size !== 'number' || !Number.isSafeInteger(p.size) || p.size < 1)
    throw invalid('size must be the file size in bytes, a positive integer');
  return { roomId, name: p.name, mime: p.mime as string | undefined, size: p.size };
}

/** file:chunk: `{uploadId, offset, data}` with binary data. */
export function parseFileChunk(payload: unknown): FileChunkPayload {
  if (typeof payload !== 'object' || payload === null) throw invalid('payload must be an object');
  const p = payload as Record<string, unknown>;
  const uploadId = parseUploadId(p.uploadId);
  if (typeof p.offset !== 'number' || !Number.isSafeInteger(p.offset) || p.offset < 0)
    throw invalid('offset must be the bytes received so far, a non-negative integer');
  if (!(p.data instanceof Uint8Array) || p.data.byteLength === 0)
    throw invalid('data must be binary (Buffer, ArrayBuffer view) and not empty');
  return { uploadId, offset: p.offset, data: p.data };
}
