import type { ChatClient, Message, SendProgress } from '@chat/client';
import type { Api, Room, User } from '../api.js';
import { formatBytes, h } from '../dom.js';
import { Timeline } from '../timeline.js';

/** Within this many pixels of the bottom, new messages keep the view scrolled to the bottom. */
const STICKY_PX = 80;
/** Older history loads when the view is scrolled this close to the top. */
const LOAD_OLDER_PX = 200;

function newClientMsgId(): string {
  // randomUUID needs a secure context; getRandomValues does not.
  if (crypto.randomUUID && isSecureContext) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * One room: its timeline (history scrolled back a page at a time, live messages, each once),
 * the messages being sent, and the composer.
 */
export class RoomView {
  readonly element: HTMLElement;
  readonly timeline = new Timeline();
  private readonly scroller: HTMLElement;
  private readonly log: HTMLOListElement;
  private readonly outbox: HTMLUListElement;
  private readonly historyStatus: HTMLElement;
  private readonly textarea: HTMLTextAreaElement;
  private readonly fileInput: HTMLInputElement;
  private readonly fileChip: HTMLElement;
  private readonly nodes = new Map<string, HTMLLIElement>();
  private readonly sending = new Map<string, HTMLLIElement>();
  private loading: Promise<void> | null = null;
  private stuckToBottom = true;

  constructor(
    readonly room: Room,
    private readonly me: User,
    private readonly api: Api,
    private readonly client: ChatClient,
    private readonly onSendStateChange: () => void,
  ) {
    this.historyStatus = h('p', { class: 'history-status', role: 'status' });
    this.log = h('ol', { class: 'messages' });
    this.outbox = h('ul', { class: 'messages outbox', 'aria-label': 'Sending' });
    this.scroller = h(
      'div',
      { class: 'scroller', tabindex: 0 },
      this.historyStatus,
      h('div', { role: 'log', 'aria-label': `Messages in ${room.name}` }, this.log),
      this.outbox,
    );
    this.scroller.addEventListener('scroll', () => this.onScroll(), { passive: true });

    const textareaId = `compose-${room.id}`;
    const fileId = `attach-${room.id}`;
    this.textarea = h('textarea', {
      id: textareaId,
      rows: 2,
      maxlength: 4000,
      placeholder: 'Write a message (Enter sends, Shift+Enter for a new line)',
    });
    this.textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.fileInput = h('input', { id: fileId, type: 'file', class: 'visually-hidden' });
    this.fileChip = h('span', { class: 'file-chip', hidden: true });
    this.fileInput.addEventListener('change', () => this.showChosenFile());

    const inviteLink = `${location.origin}${location.pathname}#room=${room.id}`;
    this.element = h(
      'section',
      { class: 'room', 'aria-labelledby': `title-${room.id}` },
      h(
        'header',
        { class: 'room-header' },
        h('h2', { id: `title-${room.id}` }, room.name),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            title: inviteLink,
            onclick: (event) => void this.copyInvite(event.currentTarget as HTMLButtonElement, inviteLink),
          },
          'Copy invite link',
        ),
      ),
      this.scroller,
      h(
        'form',
        {
          class: 'composer',
          onsubmit: (event) => {
            event.preventDefault();
            this.submit();
          },
        },
        h('label', { for: textareaId, class: 'visually-hidden' }, 'Message'),
        this.textarea,
        h('label', { for: fileId, class: 'button secondary attach' }, 'Attach file'),
        this.fileInput,
        this.fileChip,
        h('button', { type: 'submit' }, 'Send'),
      ),
    );
  }

  /** Shown: load the newest page once; later, back where the reader left it (or at the newest). */
  show(): void {
    if (this.stuckToBottom) this.scrollToBottom();
    if (!this.timeline.hasOlder || this.timeline.nextBefore !== undefined || this.loading) return;
    void this.loadOlder();
  }

  focusComposer(): void {
    this.textarea.focus();
  }

  /** A message of this room, from the socket, from history, or the ack of our own send. */
  addMessage(message: Message): void {
    const mine = message.senderId === this.me.id;
    // Our own message, stored: it replaces its "sending…" line.
    if (mine) {
      this.sending.get(message.clientMsgId)?.remove();
      this.sending.delete(message.clientMsgId);
    }
    if (this.timeline.add(message) === -1) return;
    const sticky = this.stuckToBottom || mine;
    this.render();
    if (sticky) this.scrollToBottom();
  }

  /** The room could not be replayed after a long disconnection: reload its history. */
  reload(): void {
    this.timeline.reset();
    for (const node of this.nodes.values()) node.remove();
    this.nodes.clear();
    this.stuckToBottom = true;
    void this.loadOlder();
  }

  private onScroll(): void {
    const { scrollTop, scrollHeight, clientHeight } = this.scroller;
    this.stuckToBottom = scrollHeight - scrollTop - clientHeight < STICKY_PX;
    if (scrollTop < LOAD_OLDER_PX) void this.loadOlder();
  }

  private loadOlder(): Promise<void> {
    if (this.loading || !this.timeline.hasOlder) return this.loading ?? Promise.resolve();
    const first = this.timeline.nextBefore === undefined;
    this.historyStatus.textContent = 'Loading earlier messages…';
    this.loading = (async () => {
      try {
        const page = await this.api.messages(this.room.id, this.timeline.nextBefore);
        const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
        this.timeline.addPage(page);
        this.render();
        // Older messages go above what the reader sees; the first page opens at the bottom.
        if (first) this.scrollToBottom();
        else this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
        this.historyStatus.textContent = this.timeline.hasOlder ? '' : 'This is the beginning of the room.';
      } catch (error) {
        this.historyStatus.textContent = `Could not load earlier messages: ${(error as Error).message}`;
        return;
      } finally {
        this.loading = null;
      }
      // Not enough to fill the view (or still near the top): keep going.
      if (this.timeline.hasOlder && this.scroller.scrollTop < LOAD_OLDER_PX) await this.loadOlder();
    })();
    return this.loading;
  }

  /** Puts every message's node in timeline order, creating the new ones. */
  private render(): void {
    let previous: Element | null = null;
    for (const message of this.timeline.messages) {
      let node = this.nodes.get(message.id);
      if (!node) {
        node = this.messageNode(message);
        this.nodes.set(message.id, node);
      }
      const expected: Element | null = previous ? previous.nextElementSibling : this.log.firstElementChild;
      if (expected !== node) this.log.insertBefore(node, expected);
      previous = node;
    }
  }

  private messageNode(message: Message): HTMLLIElement {
    const mine = message.senderId === this.me.id;
    const time = new Date(message.createdAt);
    return h(
      'li',
      { class: mine ? 'message mine' : 'message', 'data-id': message.id },
      h(
        'p',
        { class: 'meta' },
        h('span', { class: 'sender' }, message.senderName),
        ' ',
        h('time', { datetime: message.createdAt, title: time.toLocaleString() }, time.toLocaleTimeString()),
      ),
      message.content ? h('p', { class: 'content' }, message.content) : null,
      message.file ? this.fileNode(message.file) : null,
    );
  }

  private fileNode(file: NonNullable<Message['file']>): HTMLElement {
    if (file.thumbnailUrl) {
      const image = h('img', { class: 'thumbnail', src: file.thumbnailUrl, alt: file.name, loading: 'lazy' });
      // A thumbnail that loads after we scrolled to the bottom would push the newest message up.
      image.addEventListener('load', () => this.stuckToBottom && this.scrollToBottom());
      return h('a', { class: 'file image', href: file.url, target: '_blank', rel: 'noopener' }, image);
    }
    return h(
      'a',
      { class: 'file', href: file.url, target: '_blank', rel: 'noopener', download: file.name },
      `📎 ${file.name} (${formatBytes(file.size)})`,
    );
  }

  private showChosenFile(): void {
    const file = this.fileInput.files?.[0];
    this.fileChip.replaceChildren();
    this.fileChip.hidden = !file;
    if (!file) return;
    this.fileChip.append(
      `${file.name} (${formatBytes(file.size)}) `,
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          'aria-label': `Remove ${file.name}`,
          onclick: () => {
            this.fileInput.value = '';
            this.showChosenFile();
          },
        },
        '✕',
      ),
    );
  }

  private submit(): void {
    const content = this.textarea.value.trim();
    const file = this.fileInput.files?.[0];
    if (!content && !file) return;
    this.textarea.value = '';
    this.fileInput.value = '';
    this.showChosenFile();
    void this.send(content, file);
  }

  /**
   * Shows the message as "sending" at once, then hands it to the client, which queues it while
   * offline and resends it (same clientMsgId) until it is stored: it appears once either way.
   */
  private async send(content: string, file: File | undefined): Promise<void> {
    const clientMsgId = newClientMsgId();
    const progress = file
      ? h('progress', { max: file.size, value: 0, 'aria-label': `Uploading ${file.name}` })
      : null;
    const state = h('span', { class: 'send-state' }, 'sending…');
    const node = h(
      'li',
      { class: 'message mine pending', 'data-client-msg-id': clientMsgId },
      h('p', { class: 'meta' }, h('span', { class: 'sender' }, this.me.username), ' ', state),
      content ? h('p', { class: 'content' }, content) : null,
      file ? h('p', { class: 'file' }, `📎 ${file.name} (${formatBytes(file.size)}) `, progress) : null,
    );
    this.sending.set(clientMsgId, node);
    this.outbox.append(node);
    this.scrollToBottom();
    const onProgress = ({ sentBytes, totalBytes }: SendProgress) => {
      progress!.value = sentBytes;
      state.textContent =
        sentBytes < totalBytes ? `uploading ${Math.round((sentBytes / totalBytes) * 100)}%` : 'processing…';
    };
    const sent = this.client.send(this.room.id, {
      clientMsgId,
      ...(content && { content }),
      ...(file && {
        file: { name: file.name, ...(file.type && { mime: file.type }), data: file },
        onProgress,
      }),
    });
    this.onSendStateChange(); // one more waiting to send
    try {
      this.addMessage(await sent);
    } catch (error) {
      node.classList.add('failed');
      state.textContent = `not sent: ${(error as Error).message}`;
      node.append(
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => {
              node.remove();
              this.sending.delete(clientMsgId);
            },
          },
          'Dismiss',
        ),
      );
    } finally {
      this.onSendStateChange();
    }
  }

  private async copyInvite(button: HTMLButtonElement, link: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(link);
      button.textContent = 'Link copied';
    } catch {
      button.textContent = `Room id: ${this.room.id}`;
    }
    setTimeout(() => (button.textContent = 'Copy invite link'), 3000);
  }

  private scrollToBottom(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.stuckToBottom = true;
  }
}
