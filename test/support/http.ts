import { randomBytes } from 'node:crypto';

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

export async function http<T = any>(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<HttpResult<T>> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export const uniqueName = (prefix = 'u') => `${prefix}${randomBytes(5).toString('hex')}`;

export interface TestUser {
  id: string;
  username: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** Registers and logs in a fresh user through the public API. */
export async function createUser(api: string, username = uniqueName()): Promise<TestUser> {
  const password = 'password-' + username;
  const reg = await http(api, 'POST', '/auth/register', { body: { username, password } });
  if (reg.status !== 201) throw new Error(`register failed: ${JSON.stringify(reg)}`);
  const login = await http(api, 'POST', '/auth/login', { body: { username, password } });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login)}`);
  return {
    id: reg.body.id,
    username,
    password,
    accessToken: login.body.accessToken,
    refreshToken: login.body.refreshToken,
  };
}

export async function createRoom(api: string, user: TestUser, name = uniqueName('room')): Promise<string> {
  const res = await http(api, 'POST', '/rooms', { body: { name }, token: user.accessToken });
  if (res.status !== 201) throw new Error(`create room failed: ${JSON.stringify(res)}`);
  return res.body.id;
}

/** A room created by `owner` that each of `members` has joined over the API. */
export async function createRoomWith(api: string, owner: TestUser, members: TestUser[]): Promise<string> {
  const roomId = await createRoom(api, owner);
  for (const member of members) {
    const res = await http(api, 'POST', `/rooms/${roomId}/members`, { token: member.accessToken });
    if (res.status !== 204) throw new Error(`join room failed: ${JSON.stringify(res)}`);
  }
  return roomId;
}

/** Every page of a room's history, oldest first, following nextBefore. */
export async function fullHistory(api: string, user: TestUser, roomId: string, limit = 100): Promise<any[]> {
  const all: any[] = [];
  let before: string | null = null;
  for (let guard = 0; guard < 10_000; guard++) {
    const query: string = `?limit=${limit}` + (before ? `&before=${before}` : '');
    const page: HttpResult = await http(api, 'GET', `/rooms/${roomId}/messages${query}`, {
      token: user.accessToken,
    });
    if (page.status !== 200) throw new Error(`history failed: ${JSON.stringify(page)}`);
    all.push(...page.body.items);
    before = page.body.nextBefore;
    if (!before) break;
  }
  return all.reverse();
}
