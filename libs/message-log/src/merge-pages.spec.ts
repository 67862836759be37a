import type { Message } from '@chat/contracts';
import { mergePages } from './merge-pages.js';

const msg = (id: string): Message => ({
  id,
  roomId: 'r',
  senderId: 's',
  senderName: 'a',
  content: id,
  clientMsgId: id,
  createdAt: new Date(0).toISOString(),
});
const ids = (messages: Message[]) => messages.map((m) => m.id);

describe('mergePages', () => {
  it('orders numerically, newest first, across both sources', () => {
    const page = mergePages([msg('10-0'), msg('9-1')], [msg('9-0'), msg('2-0')], 10);
    expect(ids(page.items)).toEqual(['10-0', '9-1', '9-0', '2-0']);
    expect(page.nextBefore).toBeNull();
  });

  it('keeps a message that is in both sources once', () => {
    const page = mergePages([msg('5-0'), msg('4-0')], [msg('4-0'), msg('3-0')], 10);
    expect(ids(page.items)).toEqual(['5-0', '4-0', '3-0']);
  });

  it('sets nextBefore only when more exist', () => {
    const full = mergePages([msg('3-0'), msg('2-0')], [msg('1-0')], 2);
    expect(ids(full.items)).toEqual(['3-0', '2-0']);
    expect(full.nextBefore).toBe('2-0');
    const exact = mergePages([msg('3-0')], [msg('1-0')], 2);
    expect(exact.nextBefore).toBeNull();
  });
});
