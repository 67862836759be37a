import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';

/** Base URL of an app booted in-process on port 0. */
export function baseUrl(app: INestApplication): string {
  const address = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}
