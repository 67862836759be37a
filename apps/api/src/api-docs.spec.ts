import { Parser } from '@asyncapi/parser';
import { validate } from '@readme/openapi-parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SocketEvent } from '@chat/contracts';
import { generateApiDocuments } from './api-docs.js';

const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs');
const checkedIn = (name: string) =>
  JSON.parse(readFileSync(join(DOCS, name), 'utf8')) as Record<string, unknown>;

let generated: { openapi: object; asyncapi: object };
beforeAll(async () => {
  // A JSON round trip drops what JSON drops (undefined), as the written files did.
  const { openapi, asyncapi } = await generateApiDocuments();
  generated = JSON.parse(JSON.stringify({ openapi, asyncapi })) as typeof generated;
});

describe('API documents (docs/openapi.json, docs/asyncapi.json)', () => {
  it('are what the code generates: run `npm run docs:api` after changing routes, DTOs or events', () => {
    expect(checkedIn('openapi.json')).toEqual(generated.openapi);
    expect(checkedIn('asyncapi.json')).toEqual(generated.asyncapi);
  });

  it('OpenAPI: valid, and every operation says its auth, its errors and what it does', async () => {
    const result = await validate(structuredClone(generated.openapi) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    const paths = (generated.openapi as { paths: Record<string, Record<string, OpenApiOperation>> }).paths;
    for (const [path, operations] of Object.entries(paths))
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect({ where, summary: typeof operation.summary }).toEqual({ where, summary: 'string' });
        const codes = Object.keys(operation.responses);
        expect({ where, has: ['500', '503'].every((c) => codes.includes(c)) }).toEqual({ where, has: true });
        if (!path.startsWith('/auth/')) {
          expect({ where, security: operation.security }).toEqual({ where, security: [{ bearer: [] }] });
          expect({ where, has401: codes.includes('401') }).toEqual({ where, has401: true });
        }
        const ok = Object.entries(operation.responses).find(([code]) => code.startsWith('2'))!;
        if (ok[0] !== '204') expect({ where, schema: !!ok[1].content }).toEqual({ where, schema: true });
      }
  });

  it('AsyncAPI: valid, with every socket event of the contract', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(generated.asyncapi));
    expect(
      diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`),
    ).toEqual([]);
    expect(document).toBeDefined();
    const names = document!
      .messages()
      .all()
      .map((m) => m.name());
    for (const event of Object.values(SocketEvent)) expect(names).toContain(event);
  });
});

interface OpenApiOperation {
  summary?: string;
  security?: unknown;
  responses: Record<string, { content?: unknown }>;
}
