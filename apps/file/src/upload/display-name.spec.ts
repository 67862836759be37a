import { displayName } from './display-name.js';

describe('displayName', () => {
  it('keeps only the last path segment', () => {
    expect(displayName('../../etc/passwd')).toBe('passwd');
    expect(displayName('C:\\Users\\me\\cat.png')).toBe('cat.png');
    expect(displayName('..')).toBe('file');
    expect(displayName('/')).toBe('file');
  });

  it('removes control and bidi characters, so a name reads as what it is', () => {
    expect(displayName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(displayName('a\u2066b\u2069c\u200Fd\u061Ce')).toBe('abcde');
    expect(displayName('line\r\nbreak\u0000\u0085\u009B.txt')).toBe('linebreak.txt');
    expect(displayName('zero\u200Bwidth\uFEFF.png')).toBe('zerowidth.png');
    expect(displayName('\u202E\u202D')).toBe('file');
  });

  it('keeps letters, emoji and the joiners scripts need', () => {
    expect(displayName('고양이 😀.png')).toBe('고양이 😀.png');
    expect(displayName('می\u200Cخواهم.txt')).toBe('می\u200Cخواهم.txt');
  });
});
