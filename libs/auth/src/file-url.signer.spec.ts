import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@chat/config';
import { FileUrlSigner } from './file-url.signer.js';

const signer = (secret = 'k'.repeat(40)) =>
  new FileUrlSigner(
    loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sig-')),
      JWT_SECRET: secret,
      FILE_PUBLIC_URL: 'http://files.test/',
    }),
  );

describe('FileUrlSigner', () => {
  it('signs links that verify until they expire, for that file only', () => {
    const s = signer();
    const url = new URL(s.url('f1', 1_000_000));
    expect(url.origin + url.pathname).toBe('http://files.test/files/f1');
    const [expires, sig] = [url.searchParams.get('expires'), url.searchParams.get('sig')];
    expect(s.verify('f1', expires, sig, 1_000_000)).toBe(true);
    expect(s.verify('f2', expires, sig, 1_000_000)).toBe(false);
    expect(s.verify('f1', expires, sig, 1_000_000 + 86_401_000)).toBe(false);
    expect(s.verify('f1', String(Number(expires) + 1), sig, 1_000_000)).toBe(false);
    expect(signer('z'.repeat(40)).verify('f1', expires, sig, 1_000_000)).toBe(false);
    expect(s.verify('f1', undefined, sig)).toBe(false);
  });
});
