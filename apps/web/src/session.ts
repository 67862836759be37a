import type { User } from './api.js';

/** What survives a reload: the rotating refresh token and who it belongs to. */
export interface StoredSession {
  refreshToken: string;
  user: User;
}

const KEY = 'chat.session';

export function loadSession(): StoredSession | null {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as StoredSession | null;
    return stored?.refreshToken && stored.user?.id ? stored : null;
  } catch {
    return null;
  }
}

export function saveSession(session: StoredSession): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}
