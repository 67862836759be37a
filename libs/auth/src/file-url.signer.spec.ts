import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@chat/config';
import { FileUrlSigner } from './file-url.signer.js';

const signer = (secret = 'k'.repeat(40), env: Record<string, string> = {}) =>
  new FileUrlSigner(
    loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sig-')),
      JWT_SECRET: 'j'.repeat(40),
      FILE_LINK_SECRET: secret,
      FILE_PUBLIC_URL: 'http://files.test/',
      ...env,
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

  it('signs with FILE_LINK_SECRET alone, and keeps links of the previous key valid after a rotation', () => {
    const before = signer('a'.repeat(40));
    const url = new URL(before.url('f1', 1_000_000));
    const [expires, sig] = [url.searchParams.get('expires'), url.searchParams.get('sig')];
    // The access-token key plays no part.
    expect(signer('a'.repeat(40), { JWT_SECRET: 'x'.repeat(40) }).verify('f1', expires, sig, 1_000_000)).toBe(
      true,
    );
    const rotated = signer('b'.repeat(40), { FILE_LINK_SECRET_PREVIOUS: 'a'.repeat(40) });
    expect(rotated.verify('f1', expires, sig, 1_000_000)).toBe(true);
    const fresh = new URL(rotated.url('f1', 1_000_000));
    expect(fresh.searchParams.get('sig')).not.toBe(sig);
    expect(
      signer('b'.repeat(40)).verify(
        'f1',
        fresh.searchParams.get('expires'),
        fresh.searchParams.get('sig'),
        1_000_000,
      ),
    ).toBe(true);
    expect(signer('b'.repeat(40)).verify('f1', expires, sig, 1_000_000)).toBe(false);
  });
});
