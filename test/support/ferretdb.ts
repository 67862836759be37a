import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildFerretDb, mongoAnswers } from '../../scripts/infra.mjs';

/** A private FerretDB the test may stop and restart on the same data, to produce real outages. */
export class PrivateFerretDb {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'chat-ferret-'));
  private readonly binary = buildFerretDb(resolve(import.meta.dirname, '..', '..', '.data'), () => undefined);

  constructor(readonly port: number) {}

  url(db = 'chat'): string {
    return `mongodb://127.0.0.1:${this.port}/${db}`;
  }

  async start(): Promise<void> {
    this.child = spawn(this.binary, ['-listen', `127.0.0.1:${this.port}`, '-sqlite-dir', this.dir], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 150; i++) {
      if (await mongoAnswers(this.url(), 500)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('private FerretDB did not start');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
