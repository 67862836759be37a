import { compareStreamIds, type Message, type MessagePage } from '@chat/client';

/**
 * One room's messages as the page shows them: history pages (REST, newest first) and live
 * messages (socket) merged into one ordered list, each message once whichever way it came.
 */
export class Timeline {
  private readonly byId = new Map<string, Message>();
  private ordered: Message[] = [];
  /** Where the next older page starts; null once the first message is loaded. */
  private cursor: string | null = null;
  private loadedFirstPage = false;

  get messages(): readonly Message[] {
    return this.ordered;
  }

  /** True while older messages remain to be fetched. */
  get hasOlder(): boolean {
    return !this.loadedFirstPage || this.cursor !== null;
  }

  /** The `before` of the next page to fetch (undefined: the newest page). */
  get nextBefore(): string | undefined {
    return this.loadedFirstPage ? (this.cursor ?? undefined) : undefined;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Adds a message; returns its index, or -1 when it was already there. */
  add(message: Message): number {
    if (this.byId.has(message.id)) return -1;
    this.byId.set(message.id, message);
    let index = this.ordered.length;
    while (index > 0 && compareStreamIds(this.ordered[index - 1]!.id, message.id) > 0) index--;
    this.ordered.splice(index, 0, message);
    return index;
  }

  /** Adds a history page; returns the messages that were new, oldest first. */
  addPage(page: MessagePage): Message[] {
    this.loadedFirstPage = true;
    this.cursor = page.nextBefore;
    const added: Message[] = [];
    for (const message of [...page.items].reverse()) if (this.add(message) !== -1) added.push(message);
    return added;
  }

  /** Forgets everything (the room's history is reloaded after a gap). */
  reset(): void {
    this.byId.clear();
    this.ordered = [];
    this.cursor = null;
    this.loadedFirstPage = false;
  }
}
