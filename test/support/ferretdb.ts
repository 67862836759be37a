import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildFerretDb, mongoAnswers } from '../../scripts/infra.mjs';
import { waitFor } from './phases.js';

/** A private FerretDB the test may stop and restart on the same data, to produce real outages. */
export class PrivateFerretDb {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'chat-ferret-'));
  private readonly binary = buildFerretDb(resolve(import.meta.dirname, '..', '..', '.data'), () => undefined);

  constructor(readonly port: number) {}

  url(db = 'chat'): string {
    return `mongodb://127.0.0.1:${this.port}/${db}`;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(this.binary, ['-listen', `127.0.0.1:${this.port}`, '-sqlite-dir', this.dir], {
      stdio: 'ignore',
    });
    this.child = child;
    await waitFor(
      'the private FerretDB to answer',
      () => {
        if (child.exitCode !== null) throw new Error(`private FerretDB exited with ${child.exitCode}`);
        return mongoAnswers(this.url(), 500);
      },
      { deadline: Date.now() + timeoutMs, intervalMs: 100 },
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
