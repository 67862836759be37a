import { z } from 'zod';
import { envSchema } from './config.schema.js';

/**
 * Renders docs/configuration.md from the environment schema: one row per variable with its
 * default, the values it accepts and its description (`.describe()` in config.schema.ts).
 * `npm run docs:config` writes the file; config-docs.spec.ts fails when it drifts.
 */
export function renderConfigurationDoc(schema: z.ZodObject = envSchema): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, JsonProperty>;
  };
  const rows = Object.entries(json.properties).map(([name, property]) => {
    if (!property.description) throw new Error(`${name} has no description in config.schema.ts`);
    return `| \`${name}\` | ${defaultOf(property)} | ${accepted(property)} | ${cell(property.description)} |`;
  });
  const tooling = TOOLING_VARIABLES.map(
    ([names, fallback, readBy, description]) =>
      `| ${names.split(', ').map(code).join(', ')} | ${fallback} | ${readBy} | ${description} |`,
  );
  return [
    '# Configuration',
    '',
    '<!-- Generated from libs/config/src/config.schema.ts by `npm run docs:config`; do not edit. -->',
    '',
    'Every app reads its settings from environment variables, validated once at boot by the config',
    'lib (`libs/config`). Every variable is optional in development; a bad value stops the start',
    'with a message that names the variable. No `.env` file is read by the apps or by `npm start`:',
    'set variables in the environment. `docker compose` reads a `.env` file beside',
    '`docker-compose.yml` for its own substitutions (see `.env.example`).',
    '',
    'Each secret (`JWT_SECRET`, `FILE_LINK_SECRET`, `INTERNAL_SERVICE_SECRET` and their `_PREVIOUS`)',
    'may be given as a file through `<NAME>_FILE`; the variable wins. An empty variable counts as',
    'unset.',
    '',
    '## The apps',
    '',
    '| variable | default | accepted | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '## Read outside the apps',
    '',
    'These are read by the development scripts, the web client and compose, not by the apps.',
    '',
    '| variable | default | read by | meaning |',
    '| --- | --- | --- | --- |',
    ...tooling,
    '',
  ].join('\n');
}

interface JsonProperty {
  description?: string;
  default?: unknown;
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
}

/** Variables of the scripts, the web client and compose: [name, default, read by, meaning]. */
const TOOLING_VARIABLES: ReadonlyArray<readonly [string, string, string, string]> = [
  [
    'REDIS_URL, MONGO_URL, DATA_DIR',
    'as above',
    '`npm start`, `npm test`, `npm run bench`',
    'where to find Redis and MongoDB; when nothing answers at a local address, a server is started there',
  ],
  ['WEB_PORT', '8080', '`npm start`, `npm run web:dev`, compose', 'port of the web client'],
  ['WEB_HOST', '`127.0.0.1`', '`npm run web:dev`, `vite preview`', 'interface the web client is served on'],
  [
    'WEB_API_URL, WEB_SOCKET_URL',
    "the page's own hostname, ports 3000 / 3001",
    'the web client (`/config.json`)',
    'where the page finds the api and socket apps, given to it at run time',
  ],
  [
    'MAX_FILE_BYTES',
    '10485760',
    'the web client (`/config.json`)',
    'files over it are refused before they are sent',
  ],
  [
    'OPS_BIND, OPS_PORT',
    '`127.0.0.1`, 9080',
    'compose',
    "address and port of the proxy's operator port (Swagger, `/admin`, `/metrics`, `/health/details`)",
  ],
  [
    'PROMETHEUS_PORT, GRAFANA_PORT, JAEGER_UI_PORT',
    '9090, 3030, 16686',
    'compose profiles `monitoring`, `tracing`',
    'published ports of Prometheus, Grafana and Jaeger',
  ],
  [
    'CI',
    '—',
    'the test suite',
    'set: a missing machine tool (redis-server, promtool, nginx, chromium) fails its test instead of skipping it',
  ],
];

const code = (value: unknown) => `\`${String(value)}\``;

function defaultOf(property: JsonProperty): string {
  if (property.default === undefined) return '—';
  if (property.default === '') return 'empty';
  return code(property.default);
}

function accepted(property: JsonProperty): string {
  if (property.enum) return property.enum.map(code).join(', ');
  if (property.type === 'integer' || property.type === 'number') {
    const min = property.exclusiveMinimum !== undefined ? property.exclusiveMinimum + 1 : property.minimum;
    const max =
      property.maximum !== undefined && property.maximum < Number.MAX_SAFE_INTEGER
        ? property.maximum
        : undefined;
    const kind = property.type;
    if (min !== undefined && max !== undefined) return `${kind} ${min}–${max}`;
    if (min !== undefined) return `${kind} ≥ ${min}`;
    return kind;
  }
  if (property.format === 'uri') return 'URL';
  if (property.pattern) return `matches ${code(property.pattern)}`;
  if (property.minLength && property.minLength > 1) return `≥ ${property.minLength} characters`;
  if (property.minLength === 1) return 'non-empty string';
  return 'string';
}

/** Table-safe text: no line breaks, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}
