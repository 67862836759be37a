import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { PoisonEntryError, decodeDraft } from '@chat/contracts';
import { FilesRepository, MessagesRepository, type FileDoc } from '@chat/database';
import { MetricsService } from '@chat/observability';
import { MessageReader } from '@chat/message-log';
import { IntervalJob } from '../schedule/interval-job.js';
import { FileDeleteClient } from './file-delete.client.js';

/**
 * How far the clock of the file app (a file's createdAt) and Redis' (a message's stream id) may
 * disagree: messages are looked for from this long before the upload.
 */
const CLOCK_SKEW_MS = 10 * 60_000;
/** Stream entries read per round trip while looking for unpersisted references. */
const STREAM_PAGE = 1000;
/** A room with more unpersisted entries than this is left for a later run (the worker is far behind). */
const STREAM_SCAN_LIMIT = 100_000;

export interface OrphanSweepResult {
  /** Files found referenced, never to be looked at again. */
  attached: number;
  /** Files no message refers to, deleted. */
  deleted: number;
  /** Files that could not be decided this run (a long backlog in their room's stream). */
  skipped: number;
}

/**
 * Deletes files no message refers to FILE_ORPHAN_GRACE_SEC after their upload. A file is
 * uploaded before its message is appended; when the append never happens (Redis down, the
 * sender gone, a crash in between) nothing else would ever delete it.
 *
 * A message refers to its file from the Redis stream until the drain moves it, then from
 * MongoDB. Both are read, the stream first: the drain inserts before it deletes from the stream,
 * so a message moving between the two reads is found in MongoDB. The grace period therefore
 * need not outlast the drain's backlog (a MongoDB outage), only the time between an upload's end
 * and its message's append. A file found referenced is marked (`attachedAt`) and never read
 * again; an unreferenced one is deleted through the file service (Delete, scope `delete`).
 */
@Injectable()
export class OrphanFilesJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrphanFilesJob.name);
  private readonly deletedTotal;
  private readonly job: IntervalJob<OrphanSweepResult>;

  constructor(
    private readonly files: FilesRepository,
    private readonly messages: MessagesRepository,
    private readonly stream: MessageReader,
    private readonly fileService: FileDeleteClient,
    scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.deletedTotal = metrics.counter(
      'chat_orphan_files_deleted_total',
      'Files deleted because no message referred to them after the grace period',
    );
    this.job = new IntervalJob(scheduler, 'orphan-files', this.logger);
  }

  onApplicationBootstrap(): void {
    if (this.config.FILE_ORPHAN_GRACE_SEC <= 0) return;
    this.job.every(this.config.RETENTION_INTERVAL_SEC * 1000, () => this.run());
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** One sweep over every candidate; concurrent calls share one run. Never throws. */
  run(now = new Date()): Promise<OrphanSweepResult> {
    return this.job.once(() => this.sweep(now));
  }

  private async sweep(now: Date): Promise<OrphanSweepResult> {
    const result: OrphanSweepResult = { attached: 0, deleted: 0, skipped: 0 };
    if (this.config.FILE_ORPHAN_GRACE_SEC <= 0) return result;
    const cutoff = new Date(now.getTime() - this.config.FILE_ORPHAN_GRACE_SEC * 1000);
    let after = '';
    await this.job.inBatches(
      'orphan sweep',
      this.config.RETENTION_BATCH_SIZE,
      async () => {
        const candidates = await this.files.unattached(cutoff, after, this.config.RETENTION_BATCH_SIZE);
        if (!candidates.length) return 0;
        after = candidates[candidates.length - 1]!._id;
        await this.settle(candidates, now, result);
        return candidates.length;
      },
      () => result.deleted,
    );
    if (result.deleted || result.skipped)
      this.logger.log(
        `orphan sweep: ${result.deleted} unreferenced files deleted, ${result.skipped} left for a later run`,
      );
    return result;
  }

  /** Decides a batch of candidates, room by room: marks the referenced, deletes the rest. */
  private async settle(candidates: FileDoc[], now: Date, result: OrphanSweepResult): Promise<void> {
    const byRoom = new Map<string, FileDoc[]>();
    for (const file of candidates) byRoom.set(file.roomId, [...(byRoom.get(file.roomId) ?? []), file]);
    for (const [roomId, files] of byRoom) {
      if (this.job.stopping) return;
      const ids = new Set(files.map((file) => file._id));
      // The stream first, then MongoDB (see the class comment for why this order).
      const inStream = await this.referencedInStream(roomId, ids);
      if (inStream === null) {
        result.skipped += files.length;
        continue;
      }
      const since = new Date(Math.min(...files.map((file) => file.createdAt.getTime())) - CLOCK_SKEW_MS);
      const inMongo = await this.messages.referencedFiles(roomId, [...ids], since);
      const attached = [...ids].filter((id) => inStream.has(id) || inMongo.has(id));
      await this.files.markAttached(attached, now);
      result.attached += attached.length;
      for (const id of ids) {
        if (inStream.has(id) || inMongo.has(id) || this.job.stopping) continue;
        await this.fileService.delete(id);
        result.deleted++;
        this.deletedTotal.inc();
        this.logger.log({ fileId: id, roomId }, 'deleted a file no message refers to');
      }
    }
  }

  /**
   * Which of `ids` the room's not yet persisted messages refer to; null when the room's stream
   * holds more than STREAM_SCAN_LIMIT entries (decided by a later run).
   */
  private async referencedInStream(roomId: string, ids: Set<string>): Promise<Set<string> | null> {
    const found = new Set<string>();
    let last = '0-0';
    for (let read = 0; ;) {
      const { entries } = await this.stream.streamAfter(roomId, last, STREAM_PAGE);
      for (const [id, fields] of entries) {
        try {
          const fileId = decodeDraft(id, fields).file?.id;
          if (fileId && ids.has(fileId)) found.add(fileId);
        } catch (error) {
          if (!(error instanceof PoisonEntryError)) throw error; // the drain dead-letters it
        }
      }
      read += entries.length;
      if (entries.length < STREAM_PAGE) return found;
      if (read >= STREAM_SCAN_LIMIT) return null;
      last = entries[entries.length - 1]![0];
    }
  }
}
