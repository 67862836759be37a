import { redisAnswers } from '../../scripts/infra.mjs';
import { PrivateServer } from './private-server.js';

/** A private redis-server the test may stop and restart, to produce real outages. */
export class PrivateRedis extends PrivateServer {
  /** `fsyncAlways`: every acked write is on disk, so a SIGKILL loses nothing acked. */
  constructor(
    port: number,
    private readonly fsyncAlways = false,
  ) {
    super(port, 'redis-server');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  protected command(): [string, string[]] {
    return [
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--dir',
        this.dir,
        ...(this.fsyncAlways ? ['--appendfsync', 'always'] : []),
      ],
    ];
  }

  protected answers(): Promise<boolean> {
    return redisAnswers(this.url, 500);
  }

  override start(timeoutMs = 15_000): Promise<void> {
    return super.start(timeoutMs);
  }

  /**
   * Freezes the server (SIGSTOP): connections stay open and commands are accepted by the
   * kernel, but nothing is answered until resume(). What a client sees of a stalled Redis.
   */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }
}
