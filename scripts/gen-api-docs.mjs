// `npm run docs:api`: writes docs/openapi.json and docs/asyncapi.json from the built code.
// test/docs/api-docs.spec.ts fails when the checked-in files differ from what the code says.
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from './paths.mjs';

const { generateApiDocuments } = await import(join(ROOT_DIR, 'dist/api/apps/api/src/api-docs.js'));
const { openapi, asyncapi } = await generateApiDocuments();
mkdirSync(join(ROOT_DIR, 'docs'), { recursive: true });
for (const [name, doc] of [
  ['openapi.json', openapi],
  ['asyncapi.json', asyncapi],
]) {
  writeFileSync(join(ROOT_DIR, 'docs', name), JSON.stringify(doc, null, 2) + '\n');
  console.log(`wrote docs/${name}`);
}
