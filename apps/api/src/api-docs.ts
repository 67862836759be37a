import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@chat/config';
import { buildAsyncApiDocument } from '@chat/contracts';
import { appRoot } from '@chat/observability';
import { AppModule } from './app.module.js';
import { createOpenApiDocument } from './swagger.js';

/**
 * The OpenAPI document of the api and the AsyncAPI document of the socket events, from code.
 * Preview mode scans the modules without connecting to anything, so no database is needed.
 * `npm run docs:api` writes them to docs/; a test fails when the checked-in files drift.
 */
export async function generateApiDocuments(): Promise<{ openapi: object; asyncapi: object }> {
  const app = await NestFactory.create(appRoot(AppModule, loadConfig()), { preview: true, logger: false });
  try {
    const openapi = createOpenApiDocument(app);
    const schemas = (openapi.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
    return { openapi, asyncapi: buildAsyncApiDocument(schemas) };
  } finally {
    await app.close();
  }
}
