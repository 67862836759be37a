import { ErrorCode } from './error-code.js';
import { isLegacyRoomId, isRoomId, parseRoomId } from './room-id.js';

const uuid = '3f2b8c1e-9a4d-4e7f-b612-0c5d8e9fa347';
const legacy = '665f1c2b3c4d5e6f70819204';

describe('room ids', () => {
  it('accepts a lower-case UUID v4 and a legacy lower-case ObjectId', () => {
    expect(isRoomId(uuid)).toBe(true);
    expect(isRoomId(legacy)).toBe(true);
    expect(isRoomId(crypto.randomUUID())).toBe(true);
    expect(isLegacyRoomId(legacy)).toBe(true);
    expect(isLegacyRoomId(uuid)).toBe(false);
  });

  it.each([
    ['upper-case UUID', uuid.toUpperCase()],
    ['mixed-case UUID', uuid.replace('f', 'F')],
    ['braces', `{${uuid}}`],
    ['urn prefix', `urn:uuid:${uuid}`],
    ['no hyphens', uuid.replaceAll('-', '')],
    ['leading space', ` ${uuid}`],
    ['trailing newline', `${uuid}\n`],
    ['a UUID v1', '3f2b8c1e-9a4d-1e7f-b612-0c5d8e9fa347'],
    ['a wrong variant', '3f2b8c1e-9a4d-4e7f-c612-0c5d8e9fa347'],
    ['upper-case ObjectId', legacy.toUpperCase()],
    ['ObjectId with a space', `${legacy} `],
    ['23 hex digits', legacy.slice(1)],
    ['not an id', 'general'],
    ['empty', ''],
    ['a number', 42],
    ['null', null],
  ])('refuses %s with VALIDATION naming the field', (_, value) => {
    expect(isRoomId(value)).toBe(false);
    let error: unknown;
    try {
      parseRoomId(value, 'roomId');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: ErrorCode.VALIDATION, message: expect.stringContaining('roomId') });
  });

  it('returns the id unchanged', () => {
    expect(parseRoomId(uuid)).toBe(uuid);
    expect(parseRoomId(legacy)).toBe(legacy);
  });
});
