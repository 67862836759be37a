import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { redisAnswers } from '../../scripts/infra.mjs';
import { join } from 'node:path';
import { waitFor } from './phases.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A private redis-server the test may stop and restart, to produce real outages. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'chat-redis-'));

  /** `fsyncAlways`: every acked write is on disk, so a SIGKILL loses nothing acked. */
  constructor(
    readonly port: number,
    private readonly fsyncAlways = false,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 15_000): Promise<void> {
    this.child = spawn(
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
      { stdio: 'ignore' },
    );
    const child = this.child;
    await waitFor(
      'the private redis-server to answer',
      () => {
        if (child.exitCode !== null) throw new Error(`private redis-server exited with ${child.exitCode}`);
        return redisAnswers(this.url, 500);
      },
      { deadline: Date.now() + timeoutMs },
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
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
