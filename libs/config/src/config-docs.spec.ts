import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { renderConfigurationDoc } from './config-docs.js';

const DOC = join(import.meta.dirname, '..', '..', '..', 'docs', 'configuration.md');

describe('docs/configuration.md', () => {
  it('is what the config schema generates: run `npm run docs:config` after changing it', () => {
    expect(readFileSync(DOC, 'utf8')).toEqual(renderConfigurationDoc());
  });

  it('refuses a variable without a description, so none goes undocumented', () => {
    const schema = z.object({ DOCUMENTED: z.string().describe('yes'), BARE: z.string() });
    expect(() => renderConfigurationDoc(schema)).toThrow(/BARE has no description/);
  });
});
