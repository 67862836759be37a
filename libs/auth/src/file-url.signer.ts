import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import type { Message } from '@chat/contracts';

/**
 * Expiring signed links for files, so that `Message.file.url` works directly in an `<img>` tag
 * (no Authorization header there). The signature is an HMAC of the file id and the expiry with a
 * key derived from FILE_LINK_SECRET, its own key (a leaked link key cannot sign access tokens).
 * Links are signed whenever a message is read, so history never serves a stale one; links
 * signed with FILE_LINK_SECRET_PREVIOUS still verify until they expire.
 */
@Injectable()
export class FileUrlSigner {
  /** The signing key first. */
  private readonly keys: Buffer[];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { current, previous } = config.fileLinkKeys;
    this.keys = [current, ...(previous ? [previous] : [])].map((secret) =>
      createHmac('sha256', secret).update('file-links').digest(),
    );
  }

  private signature(fileId: string, expires: number, key = this.keys[0]!): string {
    return createHmac('sha256', key).update(`${fileId}.${expires}`).digest('base64url');
  }

  url(fileId: string, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + this.config.FILE_URL_TTL_SEC;
    const base = this.config.FILE_PUBLIC_URL.replace(/\/$/, '');
    return `${base}/files/${encodeURIComponent(fileId)}?expires=${expires}&sig=${this.signature(fileId, expires)}`;
  }

  verify(fileId: string, expires: unknown, sig: unknown, now = Date.now()): boolean {
    if (typeof expires !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(expires)) return false;
    if (Number(expires) * 1000 < now) return false;
    const actual = Buffer.from(sig);
    return this.keys.some((key) => {
      const expected = Buffer.from(this.signature(fileId, Number(expires), key));
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    });
  }

  /** Fills in `file.url` (and `file.thumbnailUrl` when there is one) of a message with a file. */
  withUrl(message: Message): Message {
    if (!message.file) return message;
    const url = this.url(message.file.id);
    message.file = { ...message.file, url };
    if (message.file.thumbnailUrl !== undefined) {
      const link = new URL(url);
      link.pathname += '/thumbnail';
      message.file.thumbnailUrl = link.toString();
    }
    return message;
  }
}
