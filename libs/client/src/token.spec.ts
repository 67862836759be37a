import { ChatError } from './errors.js';
import { refreshingToken, type Session } from './token.js';

const session = (n: number, expiresIn = 900): Session => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresIn,
});

/** A stand-in for POST /auth/refresh that answers from a queue and records what it was sent. */
function fakeApi(answers: Array<{ status: number; body?: Session }>) {
  const sent: string[] = [];
  const fetch = (async (_url: string, init: { body: string }) => {
    sent.push((JSON.parse(init.body) as { refreshToken: string }).refreshToken);
    const answer = answers.shift()!;
    return { ok: answer.status < 300, status: answer.status, json: async () => answer.body };
  }) as unknown as typeof globalThis.fetch;
  return { fetch, sent };
}

describe('refreshingToken', () => {
  it('hands out the access token until it nears expiry, then rotates it once for all callers', async () => {
    const api = fakeApi([{ status: 200, body: session(2) }]);
    const seen: Session[] = [];
    const fresh = refreshingToken({ apiUrl: 'http://api', session: session(1), fetch: api.fetch });
    expect(await fresh()).toBe('access-1');
    expect(api.sent).toEqual([]);

    // 30 s left, refreshed 60 s early: the next callers share one refresh.
    const expiring = refreshingToken({
      apiUrl: 'http://api',
      session: session(1, 30),
      fetch: api.fetch,
      onSession: (s) => seen.push(s),
    });
    expect(await Promise.all([expiring(), expiring()])).toEqual(['access-2', 'access-2']);
    expect(api.sent).toEqual(['refresh-1']);
    expect(seen).toEqual([session(2)]);
    expect(await expiring()).toBe('access-2'); // the new one lives 900 s
  });

  it('ends the session on 401 (UNAUTHORIZED) and retries after any other failure', async () => {
    const api = fakeApi([{ status: 503 }, { status: 401 }]);
    const token = refreshingToken({ apiUrl: 'http://api', session: session(1, 0), fetch: api.fetch });
    await expect(token()).rejects.not.toBeInstanceOf(ChatError);
    const ended = await token().catch((error: unknown) => error);
    expect(ended).toBeInstanceOf(ChatError);
    expect((ended as ChatError).code).toBe('UNAUTHORIZED');
    expect(api.sent).toEqual(['refresh-1', 'refresh-1']);
  });
});
