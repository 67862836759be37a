import { contentDisposition } from './content-disposition.js';

describe('contentDisposition', () => {
  it('neutralises quotes, separators and control characters', () => {
    expect(contentDisposition('a"b\\c;d/e.txt', 'text/plain')).toBe(
      `attachment; filename="a_b_c_d_e.txt"; filename*=UTF-8''a%22b%5Cc%3Bd%2Fe.txt`,
    );
    expect(contentDisposition('x\r\nSet-Cookie: y', 'text/plain')).not.toMatch(/[\r\n]/);
  });

  it('keeps non-ASCII names in filename* and shows media inline', () => {
    expect(contentDisposition('고양이.png', 'image/png')).toBe(
      `inline; filename="___.png"; filename*=UTF-8''%EA%B3%A0%EC%96%91%EC%9D%B4.png`,
    );
  });
});
