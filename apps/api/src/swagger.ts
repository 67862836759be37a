import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Chat API')
    .setDescription(
      'Auth, rooms and chat history. Realtime messaging is over socket.io on the socket app (see CONTRACT.md). ' +
        'Errors are `{statusCode, message, error}`.',
    )
    .setVersion('1.0')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Every route can meet these two, from the global error filter: say so once, here.
  const error = { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorDto' } } } };
  for (const path of Object.values(document.paths))
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = path[method];
      if (!operation) continue;
      operation.responses['500'] ??= {
        description: 'unexpected error; the body carries an errorId',
        ...error,
      };
      operation.responses['503'] ??= {
        description: 'the database is unreachable; nothing was changed, retry later (code UNAVAILABLE)',
        ...error,
      };
    }
  return document;
}

/** Swagger UI at /docs and the OpenAPI JSON at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
