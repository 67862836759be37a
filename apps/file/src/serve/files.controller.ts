import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { FileUrlSigner, TokenService } from '@chat/auth';
import { AppError, ErrorCode } from '@chat/contracts';
import { FilesRepository, RoomsRepository } from '@chat/database';
import { MembershipCache } from '@chat/redis';
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
    private readonly rooms: RoomsRepository,
    private readonly membership: MembershipCache,
    private readonly tokens: TokenService,
    private readonly signer: FileUrlSigner,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  @Get(':fileId')
  async download(
    @Param('fileId') fileId: string,
    @Query('expires') expires: unknown,
    @Query('sig') sig: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const signed = sig !== undefined;
    let userId: string | null = null;
    if (signed) {
      if (!this.signer.verify(fileId, expires, sig))
        throw new AppError(ErrorCode.FORBIDDEN, 'the link is invalid or has expired');
    } else {
      const [scheme, token] = (req.headers.authorization ?? '').split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token) {
        throw new AppError(ErrorCode.UNAUTHORIZED, 'a signed link or Authorization: Bearer is required');
      }
      userId = this.tokens.verifyAccess(token).id;
    }
    const notFound = new AppError(ErrorCode.NOT_FOUND, 'file not found');
    if (!FILE_ID.test(fileId)) throw notFound;
    const file = await this.files.findById(fileId);
    if (!file || (file.expiresAt && file.expiresAt.getTime() <= Date.now())) throw notFound;
    if (
      userId &&
      !(await this.membership.isMember(file.roomId, userId, () => this.rooms.isMember(file.roomId, userId!)))
    ) {
      throw notFound;
    }

    const etag = `"${file.sha256}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
    res.setHeader('Content-Type', file.mime === 'text/plain' ? 'text/plain; charset=utf-8' : file.mime);
    res.setHeader('Content-Disposition', contentDisposition(file.name, file.mime));
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }

    let range: { start: number; end: number } | undefined;
    const header = req.headers.range;
    if (header) {
      const parsed = req.range(file.size);
      if (parsed === -1) {
        res.status(416).setHeader('Content-Range', `bytes */${file.size}`).end();
        return;
      }
      // Malformed (-2) or multiple ranges: serve the whole file, as RFC 9110 allows.
      if (parsed !== -2 && parsed !== undefined && parsed.length === 1 && parsed.type === 'bytes')
        range = parsed[0];
    }
    res.status(range ? 206 : 200);
    res.setHeader('Content-Length', range ? range.end - range.start + 1 : file.size);
    if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = this.storage.read(file.storageKey, range);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
}
