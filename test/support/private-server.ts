import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stop, waitUntil } from '../../scripts/harness.mjs';

/**
 * A database server of the test's own, on its own data directory, that the test may kill
 * (SIGKILL, as a crash) and start again on the same data, to produce real outages.
 */
export abstract class PrivateServer {
  protected child: ChildProcess | null = null;
  protected readonly dir: string;

  constructor(
    readonly port: number,
    private readonly name: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `chat-${name}-`));
  }

  /** The command line that starts the server on `port` and `dir`. */
  protected abstract command(): [string, string[]];
  /** True once the server answers. */
  protected abstract answers(): Promise<boolean>;

  async start(timeoutMs = 30_000): Promise<void> {
    const [command, args] = this.command();
    const child = spawn(command, args, { stdio: 'ignore' });
    this.child = child;
    await waitUntil(() => this.answers(), { what: `the private ${this.name} to answer`, timeoutMs, child });
  }

  /** SIGKILL: a crash, not a shutdown. */
  async stop(): Promise<void> {
    if (this.child) await stop(this.child, { signal: 'SIGKILL' });
  }
}
