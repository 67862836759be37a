import type { Message } from '@chat/client';
import { Timeline } from './timeline.js';

const message = (id: string, content = id): Message => ({
  id,
  roomId: 'r',
  senderId: 's',
  senderName: 'sam',
  content,
  clientMsgId: `c-${id}`,
  createdAt: new Date(Number(id.split('-')[0])).toISOString(),
});
const ids = (timeline: Timeline) => timeline.messages.map((m) => m.id);

describe('Timeline', () => {
  it('keeps each message once, ordered by id as numbers, whichever way it came', () => {
    const timeline = new Timeline();
    expect(timeline.add(message('1700000000100-0'))).toBe(0);
    expect(timeline.add(message('1700000000100-10'))).toBe(1);
    // "-2" sorts after "-10" as a string, before it as a stream id.
    expect(timeline.add(message('1700000000100-2'))).toBe(1);
    expect(timeline.add(message('1700000000100-2'))).toBe(-1);
    expect(ids(timeline)).toEqual(['1700000000100-0', '1700000000100-2', '1700000000100-10']);
  });

  it('merges history pages (newest first) with live messages that arrived before them', () => {
    const timeline = new Timeline();
    expect(timeline.hasOlder).toBe(true);
    expect(timeline.nextBefore).toBeUndefined();
    timeline.add(message('1700000000300-0')); // live, already on the newest page too
    timeline.add(message('1700000000400-0')); // live, newer than the page
    const added = timeline.addPage({
      items: [message('1700000000300-0'), message('1700000000200-0')],
      nextBefore: '1700000000200-0',
    });
    expect(added.map((m) => m.id)).toEqual(['1700000000200-0']);
    expect(timeline.nextBefore).toBe('1700000000200-0');
    expect(timeline.hasOlder).toBe(true);

    timeline.addPage({ items: [message('1700000000100-0')], nextBefore: null });
    expect(timeline.hasOlder).toBe(false);
    expect(ids(timeline)).toEqual([
      '1700000000100-0',
      '1700000000200-0',
      '1700000000300-0',
      '1700000000400-0',
    ]);
  });

  it('starts over after reset (a gap the server could not replay)', () => {
    const timeline = new Timeline();
    timeline.addPage({ items: [message('1700000000100-0')], nextBefore: null });
    timeline.reset();
    expect(timeline.messages).toEqual([]);
    expect(timeline.has('1700000000100-0')).toBe(false);
    expect(timeline.hasOlder).toBe(true);
    expect(timeline.nextBefore).toBeUndefined();
  });
});
