import { Inject, Injectable, Logger } from '@nestjs/common';
import sharp from 'sharp';
import { MetricsService } from '@chat/observability';
import { FILE_STORAGE, type FileStorage } from '../storage/file-storage.js';

/**
 * sharp reads a streamed input fully into memory before decoding, so concurrent previews are
 * capped: memory then stays at about this many file sizes, however many uploads arrive at once.
 */
const MAX_CONCURRENT = 2;

/** Types sharp's prebuilt libvips decodes. */
const THUMBNAILABLE = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/tiff',
]);
const SIZE = 320;

// One image at a time per process: previews are small, and CPU stays for the chat path.
sharp.concurrency(1);
sharp.cache(false);

/**
 * Makes a small WebP preview of an uploaded image. A corrupt or hostile image (bad data, a
 * decompression bomb past the pixel limit) yields no thumbnail and a log line, never a crash:
 * the upload itself still succeeds.
 */
@Injectable()
export class ThumbnailService {
  private readonly logger = new Logger(ThumbnailService.name);
  private readonly failures;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    metrics: MetricsService,
  ) {
    this.failures = metrics.counter(
      'chat_file_thumbnail_failures_total',
      'Images whose preview could not be made',
    );
  }

  /** Returns the thumbnail's storage key, or null when the file gets none. */
  async create(id: string, mime: string, storageKey: string): Promise<string | null> {
    if (!THUMBNAILABLE.has(mime)) return null;
    const key = `${id.slice(0, 2)}/${id}.thumb.webp`;
    if (this.active >= MAX_CONCURRENT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      const transformer = sharp({ failOn: 'error', limitInputPixels: 40_000_000 })
        .rotate()
        .resize(SIZE, SIZE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 });
      const data = await this.storage.read(storageKey).pipe(transformer).toBuffer();
      await this.storage.put(key, data);
      return key;
    } catch (error) {
      this.failures.inc();
      this.logger.warn(`no thumbnail for ${id} (${mime}): ${(error as Error).message}`);
      return null;
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
