import { PoisonEntryError, decodeEntry, encodeDraft } from './stream-codec.js';
import { compareStreamIds, sortableStreamId } from './stream-id.js';

const draft = { roomId: 'r', senderId: 's', senderName: 'alice', content: 'hi', clientMsgId: 'c' };

describe('stream codec', () => {
  it('round-trips a draft into a Message whose createdAt comes from the id', () => {
    const message = decodeEntry('1732345678901-3', ['m', encodeDraft(draft)]);
    expect(message).toEqual({ ...draft, id: '1732345678901-3', createdAt: '2024-11-23T07:07:58.901Z' });
  });

  it.each([
    ['nope', ['m', encodeDraft(draft)]],
    ['1-0', ['x', '1']],
    ['1-0', ['m', '{not json']],
    ['1-0', ['m', JSON.stringify({ ...draft, content: 1 })]],
    ['1-0', ['m', JSON.stringify({ ...draft, file: 'x' })]],
  ])('dead-letters %s %j', (id, fields) => {
    expect(() => decodeEntry(id, fields as string[])).toThrow(PoisonEntryError);
  });
});

describe('stream ids', () => {
  it('compare numerically, not as strings', () => {
    expect(compareStreamIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect('9-0' > '10-0').toBe(true);
    expect(sortableStreamId('9-0') < sortableStreamId('10-0')).toBe(true);
    expect(sortableStreamId('10-2') < sortableStreamId('10-10')).toBe(true);
  });
});
