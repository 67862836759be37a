import { ChatClient, ChatError, refreshingToken, type Message } from '@chat/client';
import { Api, type LoginResult, type Room } from '../api.js';
import type { WebConfig } from '../config.js';
import { h } from '../dom.js';
import { saveSession } from '../session.js';
import { RoomView } from './room-view.js';

interface RoomEntry {
  room: Room;
  view: RoomView;
  unread: number;
  /** Who is online in the room: user id → username. */
  online: Map<string, string>;
}

/**
 * The signed-in screen: rooms on the left, the open room in the middle, who is online on the
 * right, and the connection state on top. One ChatClient carries every room the user is in.
 */
export class ChatView {
  readonly element: HTMLElement;
  private readonly api: Api;
  private readonly client: ChatClient;
  private readonly rooms = new Map<string, RoomEntry>();
  private current: RoomEntry | null = null;
  private readonly status = h('p', { class: 'connection', role: 'status', 'aria-live': 'polite' });
  private readonly roomList = h('ul', { class: 'room-list' });
  private readonly main = h('main', { class: 'room-pane' });
  private readonly onlineList = h('ul', { class: 'online-list' });
  private readonly notice = h('p', { class: 'form-error', role: 'alert' });
  private readonly detach: Array<() => void> = [];

  constructor(
    config: WebConfig,
    private readonly login: LoginResult,
    private readonly onSignOut: (notice?: string) => void,
  ) {
    const me = login.user;
    const refresh = refreshingToken({
      apiUrl: config.apiUrl,
      session: login,
      onSession: (session) => saveSession({ refreshToken: session.refreshToken, user: me }),
    });
    // A refused refresh token (expired, or used elsewhere) ends the session: back to sign-in.
    const token = async () => {
      try {
        return await refresh();
      } catch (error) {
        if (error instanceof ChatError && error.code === 'UNAUTHORIZED') this.signOut(error.message);
        throw error;
      }
    };
    saveSession({ refreshToken: login.refreshToken, user: me });
    this.api = new Api(config.apiUrl, token);
    this.client = new ChatClient({ url: config.socketUrl, token, maxFileBytes: config.maxFileBytes });

    const newRoom = h('input', { id: 'new-room', required: true, maxlength: 100, autocomplete: 'off' });
    const joinRoom = h('input', { id: 'join-room', required: true, autocomplete: 'off' });
    this.element = h(
      'div',
      { class: 'app' },
      h(
        'header',
        { class: 'topbar' },
        h('h1', {}, 'Chat'),
        this.status,
        h('span', { class: 'me' }, `Signed in as ${me.username}`),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => this.signOut(),
          },
          'Sign out',
        ),
      ),
      h(
        'nav',
        { class: 'sidebar', 'aria-label': 'Rooms' },
        h('h2', {}, 'Rooms'),
        this.roomList,
        h(
          'form',
          {
            onsubmit: (event) => {
              event.preventDefault();
              void this.guard(async () => {
                const room = await this.api.createRoom(newRoom.value.trim());
                newRoom.value = '';
                await this.addRoom(room);
                location.hash = `room=${room.id}`;
              });
            },
          },
          h('label', { for: 'new-room' }, 'New room'),
          h('div', { class: 'inline' }, newRoom, h('button', { type: 'submit' }, 'Create')),
        ),
        h(
          'form',
          {
            onsubmit: (event) => {
              event.preventDefault();
              const roomId = joinRoom.value.trim().replace(/^.*#room=/, '');
              joinRoom.value = '';
              location.hash = `room=${roomId}`;
            },
          },
          h('label', { for: 'join-room' }, 'Join a room (id or invite link)'),
          h('div', { class: 'inline' }, joinRoom, h('button', { type: 'submit' }, 'Join')),
        ),
        this.notice,
      ),
      this.main,
      h(
        'aside',
        { class: 'online', 'aria-labelledby': 'online-title' },
        h('h2', { id: 'online-title' }, 'Online'),
        this.onlineList,
      ),
    );
    this.wire();
  }

  async start(): Promise<void> {
    this.renderStatus();
    this.showPlaceholder();
    await this.guard(async () => {
      for (const room of await this.api.rooms()) await this.addRoom(room);
    });
    void this.client.connect();
    this.openFromHash();
  }

  close(): void {
    for (const off of this.detach.splice(0)) off();
    this.client.close();
  }

  private signOut(notice?: string): void {
    if (this.client.state === 'closed') return;
    this.close();
    this.onSignOut(notice);
  }

  private wire(): void {
    const client = this.client;
    this.detach.push(
      client.on('message', (message) => this.onMessage(message)),
      client.on('state', () => this.renderStatus()),
      client.on('latency', () => this.renderStatus()),
      client.on('presence', ({ roomId, user, online }) => {
        const entry = this.rooms.get(roomId);
        if (!entry) return;
        if (online) entry.online.set(user.id, user.username);
        else entry.online.delete(user.id);
        if (entry === this.current) this.renderOnline();
      }),
      // After every (re)join, who is online may have changed while we were away.
      client.on('joined', ({ roomId }) => void this.refreshPresence(roomId)),
      client.on('gap', ({ roomId }) => this.rooms.get(roomId)?.view.reload()),
    );
    const onHash = () => this.openFromHash();
    const onNetwork = () => this.renderStatus();
    addEventListener('hashchange', onHash);
    addEventListener('online', onNetwork);
    addEventListener('offline', onNetwork);
    this.detach.push(() => {
      removeEventListener('hashchange', onHash);
      removeEventListener('online', onNetwork);
      removeEventListener('offline', onNetwork);
    });
  }

  private onMessage(message: Message): void {
    const entry = this.rooms.get(message.roomId);
    if (!entry) return;
    const isNew = !entry.view.timeline.has(message.id);
    entry.view.addMessage(message);
    if (isNew && entry !== this.current && message.senderId !== this.login.user.id) {
      entry.unread++;
      this.renderRooms();
    }
  }

  private async addRoom(room: Room): Promise<RoomEntry> {
    const existing = this.rooms.get(room.id);
    if (existing) return existing;
    const view = new RoomView(room, this.login.user, this.api, this.client, () => this.renderStatus());
    const entry: RoomEntry = { room, view, unread: 0, online: new Map() };
    this.rooms.set(room.id, entry);
    this.renderRooms();
    await this.client.join(room.id);
    return entry;
  }

  /** `#room=<id>` opens a room, joining it first when the user is not yet a member. */
  private openFromHash(): void {
    const roomId = new URLSearchParams(location.hash.slice(1)).get('room');
    if (!roomId) return;
    void this.guard(async () => {
      let entry = this.rooms.get(roomId);
      if (!entry) {
        await this.api.joinRoom(roomId);
        const room = (await this.api.rooms()).find((candidate) => candidate.id === roomId);
        if (!room) throw new Error('That room does not exist.');
        entry = await this.addRoom(room);
      }
      this.open(entry);
    });
  }

  private open(entry: RoomEntry): void {
    this.current = entry;
    entry.unread = 0;
    this.main.replaceChildren(entry.view.element);
    entry.view.show();
    entry.view.focusComposer();
    document.title = `${entry.room.name} · Chat`;
    this.renderRooms();
    this.renderOnline();
  }

  private async refreshPresence(roomId: string): Promise<void> {
    const entry = this.rooms.get(roomId);
    if (!entry) return;
    try {
      const users = await this.client.presence(roomId);
      entry.online = new Map(users.map((user) => [user.id, user.username]));
      if (entry === this.current) this.renderOnline();
    } catch {
      // the next join refreshes it
    }
  }

  private renderRooms(): void {
    this.roomList.replaceChildren(
      ...[...this.rooms.values()].map((entry) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: `#room=${entry.room.id}`,
              class: entry === this.current ? 'room-link current' : 'room-link',
              'aria-current': entry === this.current ? 'page' : undefined,
            },
            entry.room.name,
            entry.unread
              ? h(
                  'span',
                  { class: 'badge' },
                  String(entry.unread),
                  h('span', { class: 'visually-hidden' }, ' unread'),
                )
              : null,
          ),
        ),
      ),
    );
  }

  private renderOnline(): void {
    const online = this.current ? [...this.current.online.values()].sort() : [];
    this.onlineList.replaceChildren(...online.map((name) => h('li', {}, name)));
  }

  /** Connected (with the round trip), reconnecting or offline, and how many sends wait. */
  private renderStatus(): void {
    const state = this.client.state;
    const pending = this.client.pending;
    const label =
      state === 'connected'
        ? 'Connected'
        : state === 'connecting'
          ? 'Connecting…'
          : state === 'closed'
            ? 'Signed out'
            : navigator.onLine
              ? 'Reconnecting…'
              : 'Offline';
    const details = [
      state === 'connected' && this.client.latencyMs !== null
        ? `${Math.round(this.client.latencyMs)} ms`
        : '',
      pending ? `${pending} waiting to send` : '',
    ].filter(Boolean);
    this.status.textContent = [label, ...details].join(' · ');
    this.status.dataset.state = state === 'reconnecting' && !navigator.onLine ? 'offline' : state;
  }

  private showPlaceholder(): void {
    this.main.replaceChildren(
      h(
        'p',
        { class: 'placeholder' },
        'Pick a room on the left, create one, or paste an invite link to join.',
      ),
    );
  }

  /** Runs a user action; a failure is shown, never thrown into the void. */
  private async guard(action: () => Promise<void>): Promise<void> {
    this.notice.textContent = '';
    try {
      await action();
    } catch (error) {
      this.notice.textContent = (error as Error).message;
    }
  }
}
