import './styles.css';
import { Api, ApiError, type LoginResult } from './api.js';
import { loadConfig } from './config.js';
import { clearSession, loadSession } from './session.js';
import { ChatView } from './views/chat-view.js';
import { loginView } from './views/login-view.js';

const config = await loadConfig();
const root = document.getElementById('app')!;

function showLogin(notice?: string): void {
  document.title = 'Chat';
  root.replaceChildren(loginView(config.apiUrl, (login) => void showChat(login), notice));
  document.getElementById('username')?.focus();
}

async function showChat(login: LoginResult): Promise<void> {
  const chat = new ChatView(config, login, (notice) => {
    clearSession();
    showLogin(notice);
  });
  root.replaceChildren(chat.element);
  await chat.start();
}

// A reload keeps the user signed in: the stored refresh token buys a new session.
const stored = loadSession();
if (stored) {
  try {
    await showChat(await Api.refresh(config.apiUrl, stored.refreshToken));
  } catch (error) {
    // A refused token means signing in again; an unreachable api keeps it for the next reload.
    if (error instanceof ApiError && error.status === 401) clearSession();
    showLogin();
  }
} else {
  showLogin();
}
