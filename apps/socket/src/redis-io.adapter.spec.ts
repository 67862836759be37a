import { EventEmitter } from 'node:events';
import { jest } from '@jest/globals';
import type { INestApplicationContext, Logger } from '@nestjs/common';
import { from, isObservable, mergeMap, of, type Observable } from 'rxjs';
import type { Socket } from 'socket.io';
import { RedisIoAdapter } from './redis-io.adapter.js';

/** What Nest passes as `transform`: the handler's value, promise or observable, as an observable. */
const transform = (result: unknown): Observable<unknown> =>
  from(Promise.resolve(result)).pipe(mergeMap((r) => (isObservable(r) ? r : of(r))));

const flush = () => new Promise((resolve) => setImmediate(resolve));

function bind(handlers: Record<string, (data: unknown, ack?: unknown) => unknown>, manual: string[] = []) {
  const adapter = new RedisIoAdapter(undefined as unknown as INestApplicationContext);
  const logged: unknown[] = [];
  jest
    .spyOn((adapter as unknown as { logger: Logger }).logger, 'error')
    .mockImplementation((error) => void logged.push(error));
  const socket = new EventEmitter() as EventEmitter & { emitted: unknown[][] };
  socket.emitted = [];
  const emit = socket.emit.bind(socket);
  // socket.emit to the client is recorded; incoming events are delivered with `receive`.
  (socket as unknown as { emit: unknown }).emit = (...args: unknown[]) => void socket.emitted.push(args);
  adapter.bindMessageHandlers(
    socket as unknown as Socket,
    Object.entries(handlers).map(([message, callback]) => ({
      message,
      methodName: message,
      callback: callback as never,
      isAckHandledManually: manual.includes(message),
    })),
    transform,
  );
  return { socket, logged, receive: (event: string, ...args: unknown[]) => emit(event, ...args) };
}

describe('RedisIoAdapter.bindMessageHandlers', () => {
  it('answers through the ack with the handler result: value, promise or observable', async () => {
    const { socket, receive } = bind({
      value: (data) => ({ ok: true, data }),
      promise: async (data) => ({ ok: true, data }),
      observable: (data) => of({ ok: true, data }),
    });
    // One plain listener per handler: no per-connection rxjs pipeline, no disconnect stream.
    expect(socket.eventNames()).toEqual(['value', 'promise', 'observable']);
    expect(socket.listenerCount('value')).toBe(1);
    const acks: unknown[] = [];
    receive('value', { a: 1 }, (reply: unknown) => acks.push(reply));
    receive('promise', { b: 2 }, (reply: unknown) => acks.push(reply));
    receive('observable', { c: 3 }, (reply: unknown) => acks.push(reply));
    await flush();
    expect(acks).toEqual([
      { ok: true, data: { a: 1 } },
      { ok: true, data: { b: 2 } },
      { ok: true, data: { c: 3 } },
    ]);
  });

  it('passes several arguments as an array, and no argument as undefined', async () => {
    const seen: unknown[] = [];
    const { receive } = bind({ e: (data) => void seen.push(data) });
    receive('e', 1, 2, () => undefined);
    receive('e', () => undefined);
    receive('e', 'only');
    await flush();
    expect(seen).toEqual([[1, 2], undefined, 'only']);
  });

  it('emits {event, data} results, sends nothing for null, and leaves manual acks to the handler', async () => {
    const { socket, receive } = bind(
      { event: () => ({ event: 'pong', data: 42 }), nothing: () => null, manual: () => ({ ok: true }) },
      ['manual'],
    );
    const ack = jest.fn();
    receive('event', {}, ack);
    receive('nothing', {}, ack);
    receive('manual', {}, ack);
    await flush();
    expect(socket.emitted).toEqual([['pong', 42]]);
    expect(ack).not.toHaveBeenCalled();
  });

  it('logs a failing handler and keeps the event working', async () => {
    let calls = 0;
    const { receive, logged } = bind({
      e: () => {
        calls++;
        if (calls === 1) throw new Error('sync');
        if (calls === 2) return Promise.reject(new Error('async'));
        return { ok: true };
      },
    });
    const ack = jest.fn();
    receive('e', {}, ack);
    receive('e', {}, ack);
    receive('e', {}, ack);
    await flush();
    expect(logged.map((e) => (e as Error).message)).toEqual(['sync', 'async']);
    expect(ack).toHaveBeenCalledTimes(1);
    expect(ack).toHaveBeenCalledWith({ ok: true });
  });
});
