import { buildFerretDb, mongoAnswers } from '../../scripts/infra.mjs';
import { PrivateServer } from './private-server.js';

/** A private FerretDB the test may stop and restart on the same data, to produce real outages. */
export class PrivateFerretDb extends PrivateServer {
  // Built where the global setup's infrastructure keeps its binaries.
  private readonly binary = buildFerretDb(process.env.TEST_INFRA_DATA_DIR!, () => undefined);

  constructor(port: number) {
    super(port, 'ferretdb');
  }

  url(db = 'chat'): string {
    return `mongodb://127.0.0.1:${this.port}/${db}`;
  }

  protected command(): [string, string[]] {
    return [this.binary, ['-listen', `127.0.0.1:${this.port}`, '-sqlite-dir', this.dir]];
  }

  protected answers(): Promise<boolean> {
    return mongoAnswers(this.url(), 500);
  }
}
