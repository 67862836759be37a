import { ChatError } from './errors.js';

/** Where the client gets an access token: a fixed one, or a function asked at every (re)connect and refresh. */
export type TokenSource = string | (() => string | Promise<string>);

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives, as POST /auth/login and /auth/refresh return it. */
  expiresIn: number;
}

export interface RefreshingTokenOptions {
  /** Base URL of the api app, e.g. http://127.0.0.1:3000. */
  apiUrl: string;
  session: Session;
  /** Refresh this long before the access token expires. Default 60 s. */
  earlyMs?: number;
  /** Told of every new session (store the rotated refresh token). */
  onSession?: (session: Session) => void;
  fetch?: typeof fetch;
}

/**
 * A TokenSource that keeps the access token fresh with POST /auth/refresh. Refresh tokens
 * rotate: each is used once, and concurrent callers share one refresh.
 */
export function refreshingToken(options: RefreshingTokenOptions): () => Promise<string> {
  const doFetch = options.fetch ?? fetch;
  const earlyMs = options.earlyMs ?? 60_000;
  let session = options.session;
  let expiresAt = Date.now() + session.expiresIn * 1000;
  let pending: Promise<string> | null = null;
  return () => {
    if (Date.now() < expiresAt - earlyMs) return Promise.resolve(session.accessToken);
    pending ??= (async () => {
      try {
        const response = await doFetch(`${options.apiUrl}/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: session.refreshToken }),
        });
        // 401: the refresh token expired or was used; the session is over. Anything else: retry later.
        if (response.status === 401)
          throw new ChatError('UNAUTHORIZED', 'the session has ended: sign in again');
        if (!response.ok) throw new Error(`token refresh failed: HTTP ${response.status}`);
        const next = (await response.json()) as Session;
        session = {
          accessToken: next.accessToken,
          refreshToken: next.refreshToken,
          expiresIn: next.expiresIn,
        };
        expiresAt = Date.now() + session.expiresIn * 1000;
        options.onSession?.(session);
        return session.accessToken;
      } finally {
        pending = null;
      }
    })();
    return pending;
  };
}

export async function resolveToken(source: TokenSource): Promise<string> {
  return typeof source === 'string' ? source : source();
}
