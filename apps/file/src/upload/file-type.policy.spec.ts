import { TextSniffer, detectAllowedType, isText } from './file-type.policy.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const PDF = Buffer.from('%PDF-1.7\n%âãÏÓ\n', 'latin1');
const ELF = Buffer.from('7f454c4602010100', 'hex');
const ZIP = Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(40)]);

/** The type of a whole file, as the upload service decides it. */
const typeOf = (data: Buffer) => detectAllowedType(data.subarray(0, 4100), isText(data));

describe('detectAllowedType', () => {
  it('trusts the content, not the name', async () => {
    expect(await typeOf(Buffer.concat([PNG, Buffer.alloc(100)]))).toEqual({ mime: 'image/png', ext: 'png' });
    expect(await typeOf(PDF)).toEqual({ mime: 'application/pdf', ext: 'pdf' });
  });

  it('stores scripts and markup as plain text', async () => {
    const text = { mime: 'text/plain', ext: 'txt' };
    expect(await typeOf(Buffer.from('#!/bin/sh\nrm -rf /\n'))).toEqual(text);
    expect(await typeOf(Buffer.from('<svg onload="alert(1)"/>'))).toEqual(text);
    expect(await typeOf(Buffer.from('héllo wörld ✓\t\r\n\x1b[1m'.repeat(10)))).toEqual(text);
  });

  it('rejects executables and archives it recognises', async () => {
    expect(await typeOf(Buffer.concat([ELF, Buffer.alloc(64)]))).toBeNull();
    expect(await typeOf(ZIP)).toBeNull();
  });

  it('calls anything else application/octet-stream, however much of its beginning looks like text', async () => {
    const binary = { mime: 'application/octet-stream', ext: 'bin' };
    expect(await typeOf(Buffer.from([0xff, 0x00, 0x13, 0x37, 0x00]))).toEqual(binary);
    // A text head (past the 4,100 bytes type detection reads), then a zip, a NUL, bad UTF-8.
    const head = Buffer.from('just some text\n'.repeat(400));
    expect(await typeOf(Buffer.concat([head, ZIP]))).toEqual(binary);
    expect(await typeOf(Buffer.concat([head, Buffer.from('tail\0')]))).toEqual(binary);
    expect(await typeOf(Buffer.concat([head, Buffer.from([0xc3, 0x28])]))).toEqual(binary);
    // A multi-byte character cut off at the very end.
    expect(await typeOf(Buffer.concat([head, Buffer.from('✓').subarray(0, 2)]))).toEqual(binary);
  });
});

describe('TextSniffer', () => {
  it('follows UTF-8 characters split across chunks', () => {
    const data = Buffer.from('naïve café ✓ 😀 '.repeat(50));
    for (const size of [1, 2, 3, 7, 64]) {
      const sniffer = new TextSniffer();
      for (let at = 0; at < data.length; at += size) sniffer.push(data.subarray(at, at + size));
      expect(sniffer.end()).toBe(true);
    }
  });

  it('says no at a control byte or an invalid sequence in a later chunk', () => {
    for (const bad of [Buffer.from([0x00]), Buffer.from([0x07]), Buffer.from([0x7f]), Buffer.from([0xff])]) {
      const sniffer = new TextSniffer();
      sniffer.push(Buffer.from('fine so far\n'));
      sniffer.push(bad);
      sniffer.push(Buffer.from('and fine after\n'));
      expect(sniffer.end()).toBe(false);
    }
  });
});
