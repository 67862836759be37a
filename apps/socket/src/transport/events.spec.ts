import { EventEmitter } from 'node:events';
import { jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { bindEvents, type EventTable } from './events.js';

const flush = () => new Promise((resolve) => setImmediate(resolve));

function bind(table: Record<string, (socket: Socket, body: unknown) => unknown>) {
  const logged: unknown[] = [];
  const logger = { error: (entry: { err: unknown }) => void logged.push(entry.err) } as unknown as Logger;
  const socket = new EventEmitter();
  bindEvents(socket as unknown as Socket, table as EventTable<Socket>, logger);
  return { socket, logged, receive: (event: string, ...args: unknown[]) => socket.emit(event, ...args) };
}

describe('bindEvents', () => {
  it('answers through the ack with the handler result, a value or a promise, one listener per event', async () => {
    const { socket, receive } = bind({
      'conn:ping': (_socket, body) => ({ ok: true, body }),
      'room:join': async (_socket, body) => ({ ok: true, body }),
    });
    // One plain listener per handler: no per-connection rxjs pipeline.
    expect(socket.eventNames()).toEqual(['conn:ping', 'room:join']);
    expect(socket.listenerCount('conn:ping')).toBe(1);
    const acks: unknown[] = [];
    receive('conn:ping', { a: 1 }, (reply: unknown) => acks.push(reply));
    receive('room:join', { b: 2 }, (reply: unknown) => acks.push(reply));
    await flush();
    expect(acks).toEqual([
      { ok: true, body: { a: 1 } },
      { ok: true, body: { b: 2 } },
    ]);
  });

  it('gives the handler the socket and the first argument, undefined when only an ack came', async () => {
    const seen: unknown[] = [];
    const { socket, receive } = bind({ 'room:leave': (s, body) => void seen.push([s, body]) });
    receive('room:leave', 1, 2, () => undefined);
    receive('room:leave', () => undefined);
    receive('room:leave', 'only');
    await flush();
    expect(seen).toEqual([
      [socket, 1],
      [socket, undefined],
      [socket, 'only'],
    ]);
  });

  it('logs a handler that throws or rejects, sends no ack for it, and keeps the event working', async () => {
    let calls = 0;
    const { receive, logged } = bind({
      'chat:send': () => {
        calls++;
        if (calls === 1) throw new Error('sync');
        if (calls === 2) return Promise.reject(new Error('async'));
        return { ok: true };
      },
    });
    const ack = jest.fn();
    receive('chat:send', {}, ack);
    receive('chat:send', {}, ack);
    receive('chat:send', {}, ack);
    receive('chat:send', {}); // no ack asked for: nothing to answer
    await flush();
    expect(logged.map((e) => (e as Error).message)).toEqual(['sync', 'async']);
    expect(ack).toHaveBeenCalledTimes(1);
    expect(ack).toHaveBeenCalledWith({ ok: true });
  });
});
