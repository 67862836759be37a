import { Api, ApiError, type LoginResult } from '../api.js';
import { h } from '../dom.js';

/** Sign in, or create an account and sign in: one form, two submit buttons. */
export function loginView(apiUrl: string, onLogin: (login: LoginResult) => void, notice = ''): HTMLElement {
  const error = h('p', { class: 'form-error', role: 'alert' }, notice);
  const username = h('input', {
    id: 'username',
    name: 'username',
    autocomplete: 'username',
    required: true,
    minlength: 3,
    maxlength: 32,
    pattern: '[A-Za-z0-9_.\\-]+',
    title: '3 to 32 letters, digits, dots, dashes or underscores',
  });
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    minlength: 8,
    maxlength: 128,
  });
  const signIn = h('button', { type: 'submit', value: 'login' }, 'Sign in');
  const register = h('button', { type: 'submit', value: 'register', class: 'secondary' }, 'Create account');

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const creating = (event.submitter as HTMLButtonElement | null)?.value === 'register';
    error.textContent = '';
    signIn.disabled = register.disabled = true;
    try {
      if (creating) await Api.register(apiUrl, username.value, password.value);
      onLogin(await Api.login(apiUrl, username.value, password.value));
    } catch (caught) {
      const status = caught instanceof ApiError ? caught.status : 0;
      error.textContent =
        status === 401
          ? 'Wrong username or password.'
          : status === 409
            ? 'That username is taken: choose another, or sign in.'
            : (caught as Error).message;
    } finally {
      signIn.disabled = register.disabled = false;
    }
  };

  return h(
    'main',
    { class: 'login' },
    h(
      'form',
      { class: 'card', 'aria-labelledby': 'login-title', onsubmit: (e) => void submit(e as SubmitEvent) },
      h('h1', { id: 'login-title' }, 'Chat'),
      h('label', { for: 'username' }, 'Username'),
      username,
      h('label', { for: 'password' }, 'Password'),
      password,
      error,
      h('div', { class: 'actions' }, signIn, register),
    ),
  );
}
