import { AppError, ErrorCode } from './error-code.js';
import { parseChatSend, parseRoomPayload } from './chat-send.validation.js';

const limits = { maxContentLength: 10, maxFileBytes: 4 };
const roomId = '3f2b8c1e-9a4d-4e7f-b612-0c5d8e9fa347';
const base = { roomId, clientMsgId: 'c1' };

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a throw');
}

describe('parseChatSend', () => {
  it('accepts a text message and defaults nothing it was not given', () => {
    expect(parseChatSend({ ...base, content: 'hi' }, limits)).toEqual({ ...base, content: 'hi' });
  });

  it.each([
    [null, 'payload'],
    [{ clientMsgId: 'c', content: 'x' }, 'roomId'],
    [{ ...base, roomId: roomId.toUpperCase(), content: 'x' }, 'roomId'],
    [{ roomId, content: 'x' }, 'clientMsgId'],
    [{ roomId, clientMsgId: 'x'.repeat(65), content: 'x' }, 'clientMsgId'],
    [{ ...base, content: 5 }, 'content'],
    [{ ...base, content: 'x'.repeat(11) }, 'content'],
    [{ ...base, content: '   ' }, 'content'],
    [{ ...base, file: { name: '', data: Buffer.from('a') } }, 'file.name'],
    [{ ...base, file: { name: 'a.txt', data: 'not binary' } }, 'file.data'],
    [{ ...base, file: { name: 'a.txt', mime: 3, data: Buffer.from('a') } }, 'file.mime'],
  ])('rejects %j naming %s', (payload, field) => {
    const error = errorOf(() => parseChatSend(payload, limits));
    expect(error.code).toBe(ErrorCode.VALIDATION);
    expect(error.message).toContain(field);
  });

  it('rejects a file over the limit with FILE_TOO_LARGE', () => {
    const error = errorOf(() =>
      parseChatSend({ ...base, file: { name: 'a', data: Buffer.alloc(5) } }, limits),
    );
    expect(error.code).toBe(ErrorCode.FILE_TOO_LARGE);
  });

  it('accepts a file message with empty content', () => {
    const result = parseChatSend({ ...base, file: { name: 'a.png', data: Buffer.alloc(4) } }, limits);
    expect(result.file?.name).toBe('a.png');
    expect(result.content).toBe('');
  });
});

describe('parseRoomPayload', () => {
  it('requires a room id in its one spelling', () => {
    expect(parseRoomPayload({ roomId })).toEqual({ roomId });
    expect(errorOf(() => parseRoomPayload({})).message).toContain('roomId');
    expect(errorOf(() => parseRoomPayload('x')).code).toBe(ErrorCode.VALIDATION);
    const upper = errorOf(() => parseRoomPayload({ roomId: roomId.toUpperCase() }));
    expect(upper.code).toBe(ErrorCode.VALIDATION);
    expect(upper.message).toContain('roomId');
  });
});
