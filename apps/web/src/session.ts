import type { User } from './api.js';

/**
 * What survives a reload: the rotating refresh token and who it belongs to. Kept per tab
 * (sessionStorage): refresh tokens rotate, so two tabs sharing one would log each other out.
 */
export interface StoredSession {
  refreshToken: string;
  user: User;
}

const KEY = 'chat.session';

export function loadSession(): StoredSession | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as StoredSession | null;
    return stored?.refreshToken && stored.user?.id ? stored : null;
  } catch {
    return null;
  }
}

export function saveSession(session: StoredSession): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
