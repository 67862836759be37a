import { REDACTED, redactQuery, redactRequest, redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('replaces the signature of a file link, and keeps the rest as it was', () => {
    expect(redactUrl('/files/ab12?expires=1767225600&sig=Zm9vYmFy-_x')).toBe(
      `/files/ab12?expires=1767225600&sig=${REDACTED}`,
    );
    expect(redactUrl('/files/ab12/thumbnail?sig=abc&expires=1')).toBe(
      `/files/ab12/thumbnail?sig=${REDACTED}&expires=1`,
    );
  });

  it('catches the parameter however it is spelled or escaped, and tokens too', () => {
    expect(redactUrl('/x?%73ig=abc')).toBe(`/x?%73ig=${REDACTED}`);
    expect(redactUrl('/x?SIG=abc&sig=def')).toBe(`/x?SIG=${REDACTED}&sig=${REDACTED}`);
    expect(redactUrl('/x?access_token=abc#frag')).toBe(`/x?access_token=${REDACTED}#frag`);
    expect(redactUrl('/x?sig')).toBe(`/x?sig=${REDACTED}`);
  });

  it('leaves other URLs alone', () => {
    for (const url of ['/files/ab12', '/rooms?limit=5&before=1-0', '/x?signature_of=1&%E0%A4%A=1', '/x?'])
      expect(redactUrl(url)).toBe(url);
  });
});

describe('redactRequest', () => {
  it('redacts the logged url and a copy of the query, never the request the app reads', () => {
    const query = { expires: '1', sig: 'secret' };
    const logged = redactRequest({ url: '/files/a?expires=1&sig=secret', query, method: 'GET' });
    expect(logged).toEqual({
      url: `/files/a?expires=1&sig=${REDACTED}`,
      query: { expires: '1', sig: REDACTED },
      method: 'GET',
    });
    expect(query.sig).toBe('secret');
    expect(redactQuery({ limit: '5' })).toEqual({ limit: '5' });
  });
});
