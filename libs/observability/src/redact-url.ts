/** Query parameters whose value is a credential: a signed file link's `sig`, tokens. */
const SECRET_PARAMS = new Set(['sig', 'token', 'access_token', 'accesstoken', 'refreshtoken']);
export const REDACTED = '[redacted]';

/**
 * The URL (path and query, as a request line carries it) with the value of every credential
 * parameter replaced, so that a signed file link logged is no longer a working link. The rest
 * stays byte for byte, and a URL without such parameters is returned as it is.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const hash = url.indexOf('#', query);
  const end = hash < 0 ? url.length : hash;
  let changed = false;
  const params = url
    .slice(query + 1, end)
    .split('&')
    .map((param) => {
      const eq = param.indexOf('=');
      const name = eq < 0 ? param : param.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the raw name.
      }
      if (!SECRET_PARAMS.has(decoded.toLowerCase())) return param;
      changed = true;
      return `${name}=${REDACTED}`;
    });
  return changed ? `${url.slice(0, query + 1)}${params.join('&')}${url.slice(end)}` : url;
}

/** The same for a parsed query object (Express' `req.query`): a copy, the original untouched. */
export function redactQuery(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  const entries = Object.entries(query as Record<string, unknown>);
  if (!entries.some(([name]) => SECRET_PARAMS.has(name.toLowerCase()))) return query;
  return Object.fromEntries(
    entries.map(([name, value]) => [name, SECRET_PARAMS.has(name.toLowerCase()) ? REDACTED : value]),
  );
}

/**
 * pino-http's request serializer, after its standard one: the logged `url` and `query` without
 * credentials. What it receives is already a copy for the log line, not the live request.
 */
export function redactRequest<T extends { url?: unknown; query?: unknown }>(req: T): T {
  if (typeof req.url === 'string') req.url = redactUrl(req.url);
  if ('query' in req) req.query = redactQuery(req.query);
  return req;
}
