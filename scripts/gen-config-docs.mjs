// `npm run docs:config`: writes docs/configuration.md from the environment schema
// (libs/config/src/config.schema.ts), built. libs/config/src/config-docs.spec.ts fails when the
// checked-in file differs from what the schema says.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from './paths.mjs';

const { renderConfigurationDoc } = await import(join(ROOT_DIR, 'dist/api/libs/config/src/config-docs.js'));
writeFileSync(join(ROOT_DIR, 'docs', 'configuration.md'), renderConfigurationDoc());
console.log('wrote docs/configuration.md');
