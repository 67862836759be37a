export interface WebConfig {
  /** The api app, e.g. http://127.0.0.1:3000. */
  apiUrl: string;
  /** The socket app, e.g. http://127.0.0.1:3001. */
  socketUrl: string;
  /**
   * The server's file size limit (its MAX_FILE_BYTES), when the page is told it; bigger files are
   * refused before sending. Unset, the client SDK's default (the server's default) applies.
   */
  maxFileBytes?: number;
}

/**
 * Where the api and socket apps are: /config.json when the server that serves the page gives
 * them, otherwise this page's hostname with the contract's ports (3000 and 3001).
 */
export async function loadConfig(): Promise<WebConfig> {
  const fallback = (port: number) => `${location.protocol}//${location.hostname}:${port}`;
  let given: Partial<WebConfig> = {};
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) given = (await response.json()) as Partial<WebConfig>;
  } catch {
    // no config.json: the defaults below
  }
  return {
    apiUrl: (given.apiUrl || fallback(3000)).replace(/\/$/, ''),
    socketUrl: (given.socketUrl || fallback(3001)).replace(/\/$/, ''),
    ...(Number(given.maxFileBytes) > 0 && { maxFileBytes: Number(given.maxFileBytes) }),
  };
}
