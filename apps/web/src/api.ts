import type { MessagePage, Session } from '@chat/client';

export interface User {
  id: string;
  username: string;
}

export interface Room {
  id: string;
  name: string;
  createdAt: string;
}

export interface LoginResult extends Session {
  user: User;
}

/** A REST failure with the api's error body: its status, message and (where one applies) code. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

async function request<T>(
  url: string,
  init: RequestInit & { token?: string; body?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined; // not JSON (a proxy's error page): the status says enough
  }
  if (!response.ok) {
    const error = (body ?? {}) as { message?: string | string[]; code?: string };
    const message = Array.isArray(error.message) ? error.message.join('; ') : error.message;
    throw new ApiError(response.status, message || `HTTP ${response.status}`, error.code);
  }
  return body as T;
}

/** The api app's public REST contract, as the page uses it. */
export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly token: () => Promise<string>,
  ) {}

  static register(baseUrl: string, username: string, password: string): Promise<User> {
    return request(`${baseUrl}/auth/register`, {
      method: 'POST',
      body: JSON.stringify({ username, password }),
    });
  }

  static login(baseUrl: string, username: string, password: string): Promise<LoginResult> {
    return request(`${baseUrl}/auth/login`, { method: 'POST', body: JSON.stringify({ username, password }) });
  }

  /** Trades a stored refresh token for a new session (the old token stops working). */
  static refresh(baseUrl: string, refreshToken: string): Promise<LoginResult> {
    return request(`${baseUrl}/auth/refresh`, { method: 'POST', body: JSON.stringify({ refreshToken }) });
  }

  async rooms(): Promise<Room[]> {
    return request(`${this.baseUrl}/rooms`, { token: await this.token() });
  }

  async createRoom(name: string): Promise<Room> {
    return request(`${this.baseUrl}/rooms`, {
      method: 'POST',
      token: await this.token(),
      body: JSON.stringify({ name }),
    });
  }

  async joinRoom(roomId: string): Promise<void> {
    await request(`${this.baseUrl}/rooms/${encodeURIComponent(roomId)}/members`, {
      method: 'POST',
      token: await this.token(),
    });
  }

  /** A page of history, newest first; `before` is the previous page's `nextBefore`. */
  async messages(roomId: string, before?: string, limit = 50): Promise<MessagePage> {
    const query = new URLSearchParams({ limit: String(limit), ...(before && { before }) });
    return request(`${this.baseUrl}/rooms/${encodeURIComponent(roomId)}/messages?${query}`, {
      token: await this.token(),
    });
  }
}
