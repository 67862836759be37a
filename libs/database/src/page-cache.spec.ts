import type { Message } from '@chat/contracts';
import { PageCache } from './page-cache.js';

const message = (seq: number, file = false): Message => ({
  id: `${1000 + seq}-0`,
  roomId: 'r',
  seq,
  senderId: 's',
  senderName: 'sam',
  content: `m${seq}`,
  clientMsgId: `c${seq}`,
  createdAt: new Date(0).toISOString(),
  ...(file && { file: { id: 'f', url: '', name: 'a.txt', mime: 'text/plain', size: 1 } }),
});

describe('PageCache', () => {
  const page = [message(50), message(51, true), message(52)];

  it('answers only numbers below what was persisted when the page was read', () => {
    const cache = new PageCache();
    cache.set('r:1', { version: '0', persistedBelow: 53 }, page, 300);
    expect(cache.get('r:1', { version: '0', persistedBelow: 60 }, 52)?.map((m) => m.seq)).toEqual([
      50, 51, 52,
    ]);
    // Number 53 may have been persisted since: the kept copy cannot say.
    expect(cache.get('r:1', { version: '0', persistedBelow: 60 }, 53)).toBeUndefined();
  });

  it('stops answering when the room’s page version changes', () => {
    const cache = new PageCache();
    cache.set('r:1', { version: '3', persistedBelow: 53 }, page, 300);
    expect(cache.get('r:1', { version: '4', persistedBelow: 53 }, 52)).toBeUndefined();
    expect(cache.get('r:1', { version: '3', persistedBelow: 53 }, 52)).toHaveLength(3);
  });

  it('hands out copies: a caller filling in file links changes nothing kept', () => {
    const cache = new PageCache();
    cache.set('r:1', { version: '0', persistedBelow: 53 }, page, 300);
    const first = cache.get('r:1', { version: '0', persistedBelow: 53 }, 52)!;
    first[1]!.file!.url = 'https://signed';
    first[0]!.content = 'changed';
    const second = cache.get('r:1', { version: '0', persistedBelow: 53 }, 52)!;
    expect(second[1]!.file!.url).toBe('');
    expect(second[0]!.content).toBe('m50');
    expect(page[1]!.file!.url).toBe('');
  });

  it('remembers the numbers of the messages it has seen', () => {
    const cache = new PageCache();
    expect(cache.seqOf('r', '1051-0')).toBeUndefined();
    cache.set('r:1', { version: '0', persistedBelow: 53 }, page, 300);
    expect(cache.seqOf('r', '1051-0')).toBe(51);
    expect(cache.seqOf('other', '1051-0')).toBeUndefined();
  });
});
