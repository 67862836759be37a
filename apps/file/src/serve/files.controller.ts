import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RoomAccess } from '@chat/access';
import { FileUrlSigner, TokenService } from '@chat/auth';
import { AppError, ErrorCode } from '@chat/contracts';
import { FilesRepository } from '@chat/database';
import { FILE_STORAGE, type FileStorage } from '../storage/file-storage.js';
import { contentDisposition } from './content-disposition.js';

const FILE_ID = /^[0-9a-f]{32}$/;

/**
 * GET /files/:fileId — for members of the file's room only. Accepts either the signed link from
 * `Message.file.url` (works in an <img> tag) or `Authorization: Bearer`. An unknown file and a
 * file of a room the caller is not in both answer 404, so nothing leaks about which exist.
 */
@ApiExcludeController()
@Controller('files')
export class FilesController {
  constructor(
    private readonly files: FilesRepository,
    private readonly access: RoomAccess,
    private readonly tokens: TokenService,
    private readonly signer: FileUrlSigner,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  @Get(':fileId')
  download(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.serve(req, res, false);
  }

  /** The WebP preview of an image, with the same access rules and the same signed link. */
  @Get(':fileId/thumbnail')
  thumbnail(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.serve(req, res, true);
  }

  /** Both routes: `:fileId` from the path, the signed link's `expires` and `sig` from the query. */
  private async serve(req: Request, res: Response, thumbnail: boolean): Promise<void> {
    const fileId = req.params.fileId as string; // one path segment: never an array
    const { expires, sig } = req.query;
    const signed = sig !== undefined;
    let userId: string | null = null;
    if (signed) {
      if (!this.signer.verify(fileId, expires, sig))
        throw new AppError(ErrorCode.FORBIDDEN, 'the link is invalid or has expired');
    } else {
      if (!req.headers.authorization)
        throw new AppError(ErrorCode.UNAUTHORIZED, 'a signed link or Authorization: Bearer is required');
      userId = this.tokens.userOf(req.headers.authorization).id;
    }
    const notFound = new AppError(ErrorCode.NOT_FOUND, 'file not found');
    if (!FILE_ID.test(fileId)) throw notFound;
    const file = await this.files.findById(fileId);
    if (!file || (file.expiresAt && file.expiresAt.getTime() <= Date.now())) throw notFound;
    if (thumbnail && !file.thumbnailKey) throw notFound;
    if (userId && !(await this.access.isMember(file.roomId, userId))) throw notFound;

    // The preview is served as a small immutable WebP; the file itself with its detected type.
    const served = thumbnail
      ? {
          key: file.thumbnailKey!,
          mime: 'image/webp',
          etag: `"${file.sha256}-thumb"`,
          size: -1,
          name: `${file.name}.webp`,
        }
      : { key: file.storageKey, mime: file.mime, etag: `"${file.sha256}"`, size: file.size, name: file.name };
    if (served.size < 0) served.size = await this.storage.size(served.key);
    const etag = served.etag;
    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
    res.setHeader('Content-Type', served.mime === 'text/plain' ? 'text/plain; charset=utf-8' : served.mime);
    // Always a download (an <img> still shows it), under a name without hidden characters.
    res.setHeader('Content-Disposition', contentDisposition(served.name));
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }

    let range: { start: number; end: number } | undefined;
    const header = req.headers.range;
    if (header) {
      const parsed = req.range(served.size);
      if (parsed === -1) {
        res.status(416).setHeader('Content-Range', `bytes */${served.size}`).end();
        return;
      }
      // Malformed (-2) or multiple ranges: serve the whole file, as RFC 9110 allows.
      if (parsed !== -2 && parsed !== undefined && parsed.length === 1 && parsed.type === 'bytes')
        range = parsed[0];
    }
    res.status(range ? 206 : 200);
    res.setHeader('Content-Length', range ? range.end - range.start + 1 : served.size);
    if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${served.size}`);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = this.storage.read(served.key, range);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
}
