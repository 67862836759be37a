import { contentDisposition } from './content-disposition.js';

describe('contentDisposition', () => {
  it('neutralises quotes, separators and control characters', () => {
    // The path separators go with the path: only the last segment is a name.
    expect(contentDisposition('a"b\\c;d%e.txt')).toBe(
      `attachment; filename="c_d_e.txt"; filename*=UTF-8''c%3Bd%25e.txt`,
    );
    expect(contentDisposition('x"y;z.txt')).toBe(
      `attachment; filename="x_y_z.txt"; filename*=UTF-8''x%22y%3Bz.txt`,
    );
    expect(contentDisposition('x\r\nSet-Cookie: y')).not.toMatch(/[\r\n]/);
  });

  it('sends every type as an attachment, non-ASCII names in filename*', () => {
    expect(contentDisposition('고양이.png')).toBe(
      `attachment; filename="___.png"; filename*=UTF-8''%EA%B3%A0%EC%96%91%EC%9D%B4.png`,
    );
  });

  it('drops bidi overrides, also from names stored before uploads removed them', () => {
    expect(contentDisposition('invoice\u202Efdp.exe')).toBe(
      `attachment; filename="invoicefdp.exe"; filename*=UTF-8''invoicefdp.exe`,
    );
  });
});
