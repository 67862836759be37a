import { Inject, Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { ErrorCode, SocketEvent } from '@chat/contracts';

/** Node's timers overflow above 2^31-1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The lifetime of a connection's access token: `auth:expiring` TOKEN_EXPIRY_WARNING_SEC before
 * it runs out (the client answers with `auth:refresh`), then, without a refresh, `auth:expired`
 * and a disconnect. A refresh reschedules both.
 */
@Injectable()
export class SessionTimers {
  private readonly timers = new WeakMap<Socket, NodeJS.Timeout[]>();
  private readonly warningMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.warningMs = config.TOKEN_EXPIRY_WARNING_SEC * 1000;
  }

  schedule(socket: Socket, expiresAt: number): void {
    this.clear(socket);
    const left = expiresAt - Date.now();
    const warnIn = Math.max(0, left - this.warningMs);
    const timers = [
      setTimeout(
        () => socket.emit(SocketEvent.AuthExpiring, { expiresAt: new Date(expiresAt).toISOString() }),
        Math.min(warnIn, MAX_TIMER_MS),
      ),
    ];
    if (left < MAX_TIMER_MS) {
      timers.push(
        setTimeout(
          () => {
            socket.emit(SocketEvent.AuthExpired, {
              code: ErrorCode.UNAUTHORIZED,
              message: 'access token expired; reconnect with a new one',
            });
            socket.disconnect(true);
          },
          Math.max(0, left),
        ),
      );
    }
    for (const timer of timers) timer.unref();
    this.timers.set(socket, timers);
  }

  clear(socket: Socket): void {
    for (const timer of this.timers.get(socket) ?? []) clearTimeout(timer);
    this.timers.delete(socket);
  }
}
