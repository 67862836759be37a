import type { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { ClientToServerEvents } from '@chat/contracts';

/** What event `E`'s acknowledgement carries, as the contract types it. */
export type AckOf<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[1] extends (
  reply: infer R,
) => void
  ? R
  : never;

/**
 * A gateway's client events and their handlers. A handler gets the socket and the payload as
 * sent (unvalidated) and answers with the event's ack, a value or a promise; it maps its own
 * errors to failure acks.
 */
export type EventTable<S extends Socket> = {
  [E in keyof ClientToServerEvents]?: (socket: S, body: unknown) => AckOf<E> | Promise<AckOf<E>>;
};

/**
 * Binds every handler of `table` on the socket: one plain listener per event. The reply goes
 * to the client's acknowledgement callback (the event's last argument) when it sent one; a
 * handler that throws anyway is logged, sends nothing, and the event keeps working.
 *
 * The one way events are bound: Nest's @SubscribeMessage builds an rxjs pipeline per handler
 * and connection (fromEvent, mergeMap, takeUntil) and keeps it for the connection's life: with
 * 3,000 connections, 40 % of the socket app's heap, which every major GC had to mark.
 */
export function bindEvents<S extends Socket>(socket: S, table: EventTable<S>, logger: Logger): void {
  const failed = (error: unknown) => logger.error({ err: error }, 'socket handler failed');
  for (const [event, handle] of Object.entries(table) as [string, (s: S, body: unknown) => unknown][]) {
    (socket as Socket).on(event, (...args: unknown[]) => {
      // The ack is the last argument; an event without a payload still gets its VALIDATION error.
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (reply: unknown) => void) : undefined;
      let reply: unknown;
      try {
        reply = handle(socket, args[0]);
      } catch (error) {
        return failed(error);
      }
      if (reply instanceof Promise) reply.then((value) => ack?.(value), failed);
      else ack?.(reply);
    });
  }
}
