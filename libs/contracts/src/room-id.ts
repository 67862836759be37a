import { AppError, ErrorCode } from './error-code.js';

/**
 * The one rule for a room id a client names, applied by every transport (REST path parameters,
 * socket payloads) and again by the membership check. Exactly one spelling of each room is
 * accepted, so no second spelling can reach a Redis key, a stream or a membership of its own
 * (docs/decisions/ids.md):
 *
 * - rooms made now: a UUID v4 in lower case with hyphens (122 random bits);
 * - rooms made before: their MongoDB ObjectId as 24 lower-case hex digits.
 *
 * Upper case, braces, `urn:uuid:`, whitespace and other UUID versions are refused (VALIDATION),
 * never folded into the canonical form: a folding reader beside an exact Redis key is how a
 * hidden second room came about.
 */
export const ROOM_ID_PATTERN =
  '^(?:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|[0-9a-f]{24})$';

export const ROOM_ID_DESCRIPTION =
  'a room id exactly as the server gave it: a lower-case UUID v4 (or, for a room made before ' +
  'UUIDs, 24 lower-case hex digits); any other spelling is refused with VALIDATION';

export const ROOM_ID_EXAMPLE = '3f2b8c1e-9a4d-4e7f-b612-0c5d8e9fa347';

const ROOM_ID = new RegExp(ROOM_ID_PATTERN);
const LEGACY_ROOM_ID = /^[0-9a-f]{24}$/;

export function isRoomId(value: unknown): value is string {
  return typeof value === 'string' && ROOM_ID.test(value);
}

/** A room made before UUIDs: its MongoDB `_id` is the ObjectId these 24 hex digits spell. */
export function isLegacyRoomId(roomId: string): boolean {
  return LEGACY_ROOM_ID.test(roomId);
}

/** The room id, or VALIDATION naming `field`. A well-formed id of no room is NOT_FOUND later. */
export function parseRoomId(value: unknown, field = 'roomId'): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new AppError(ErrorCode.VALIDATION, `${field} is required and must be a string`);
  if (!ROOM_ID.test(value))
    throw new AppError(
      ErrorCode.VALIDATION,
      `${field} must be a room id as the server gave it (a lower-case UUID such as ${ROOM_ID_EXAMPLE})`,
    );
  return value;
}
