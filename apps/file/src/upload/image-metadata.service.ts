import { Inject, Injectable } from '@nestjs/common';
import pLimit from 'p-limit';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { MetricsService } from '@chat/observability';
import { FILE_STORAGE, type FileStorage } from '../storage/file-storage.js';
import { stripImageMetadata } from './image-metadata.js';

/** Images held in memory at once while their metadata is removed (each at most MAX_FILE_BYTES). */
const MAX_CONCURRENT = 2;

/**
 * Removes the metadata of an uploaded image (STRIP_IMAGE_METADATA, on by default) before it is
 * stored: see image-metadata.ts for how, losslessly. The file is read whole, so concurrent strips
 * are capped and memory stays at about that many file sizes.
 */
@Injectable()
export class ImageMetadataService {
  private readonly limit = pLimit(MAX_CONCURRENT);
  private readonly stripped;

  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.stripped = metrics.counter(
      'chat_file_metadata_stripped_total',
      'Uploaded images whose metadata was removed',
    );
  }

  /**
   * The image under `key` without its metadata, or null when it is to be stored as it is (not an
   * image, nothing to remove, or stripping turned off). Throws UnstrippableImageError for an
   * image with metadata whose structure cannot be followed.
   */
  strip(key: string, mime: string): Promise<Buffer | null> {
    if (!this.config.STRIP_IMAGE_METADATA || !mime.startsWith('image/')) return Promise.resolve(null);
    return this.limit(async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of this.storage.read(key)) chunks.push(chunk as Buffer);
      const result = stripImageMetadata(Buffer.concat(chunks), mime);
      if (!result.changed) return null;
      this.stripped.inc();
      return result.data;
    });
  }
}
