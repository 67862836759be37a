import { detectAllowedType } from './file-type.policy.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const PDF = Buffer.from('%PDF-1.7\n%âãÏÓ\n', 'latin1');
const ELF = Buffer.from('7f454c4602010100', 'hex');
const ZIP = Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(40)]);

describe('detectAllowedType', () => {
  it('trusts the content, not the name', async () => {
    expect(await detectAllowedType(Buffer.concat([PNG, Buffer.alloc(100)]))).toEqual({
      mime: 'image/png',
      ext: 'png',
    });
    expect(await detectAllowedType(PDF)).toEqual({ mime: 'application/pdf', ext: 'pdf' });
  });

  it('stores scripts and markup as plain text', async () => {
    expect(await detectAllowedType(Buffer.from('#!/bin/sh\nrm -rf /\n'))).toEqual({
      mime: 'text/plain',
      ext: 'txt',
    });
    expect(await detectAllowedType(Buffer.from('<svg onload="alert(1)"/>'))).toEqual({
      mime: 'text/plain',
      ext: 'txt',
    });
    expect(await detectAllowedType(Buffer.from('héllo wörld ✓'.repeat(10)).subarray(0, 23))).toEqual({
      mime: 'text/plain',
      ext: 'txt',
    });
  });

  it('rejects executables, archives and binary noise', async () => {
    expect(await detectAllowedType(Buffer.concat([ELF, Buffer.alloc(64)]))).toBeNull();
    expect(await detectAllowedType(ZIP)).toBeNull();
    expect(await detectAllowedType(Buffer.from([0xff, 0x00, 0x13, 0x37, 0x00]))).toBeNull();
  });
});
