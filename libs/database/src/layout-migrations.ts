import { Inject, Injectable } from '@nestjs/common';
import { MODELS } from './models.token.js';
import type { Models } from './schemas.js';

/**
 * Changes of the data layout that existing databases catch up on. The worker runs each one
 * (LayoutMigrationJob) until it finishes and records it; every migration is idempotent, so a
 * worker that stops half-way, or two workers at once, are harmless. Until one has finished,
 * readers also take the path that does not need it (see each repository).
 */
export const LayoutChange = {
  /** `usernames`: a key document per existing user, so login is a keyed read. */
  usernameKeys: 'username-keys-v1',
  /** `user_rooms`: each person's room list from the existing memberships. */
  userRooms: 'user-rooms-v1',
  /**
   * Numbers for the messages stored before rooms had numbers (below 1), their pages, and every
   * room marked `numbered`, so history reads it by key only.
   */
  messageNumbers: 'message-numbers-v1',
} as const;
export type LayoutChangeName = (typeof LayoutChange)[keyof typeof LayoutChange];

/** How long "not finished yet" is believed before the database is asked again. */
const UNFINISHED_RECHECK_MS = 5_000;

@Injectable()
export class LayoutMigrations {
  private readonly finished = new Set<string>();
  private readonly unfinishedSince = new Map<string, number>();

  constructor(@Inject(MODELS) private readonly models: Models) {}

  /** Whether the change has finished; a yes is kept for good, a no asked again after a while. */
  async isFinished(name: LayoutChangeName): Promise<boolean> {
    if (this.finished.has(name)) return true;
    const checked = this.unfinishedSince.get(name);
    if (checked !== undefined && Date.now() - checked < UNFINISHED_RECHECK_MS) return false;
    const done = (await this.models.layoutMigrations.exists({ _id: name })) !== null;
    if (done) this.finished.add(name);
    else this.unfinishedSince.set(name, Date.now());
    return done;
  }

  async markFinished(name: LayoutChangeName): Promise<void> {
    await this.models.layoutMigrations.updateOne(
      { _id: name },
      { $set: { finishedAt: new Date() } },
      { upsert: true },
    );
    this.finished.add(name);
  }
}
