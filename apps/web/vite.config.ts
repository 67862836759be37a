import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/**
 * GET /config.json: where the page finds the api and socket apps, from WEB_API_URL and
 * WEB_SOCKET_URL at run time, and the file size limit from MAX_FILE_BYTES (the container's
 * nginx answers the same from its environment).
 * Unset, the page uses its own hostname with the contract's ports 3000 and 3001.
 */
function runtimeConfig(): Plugin {
  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (req.url?.split('?')[0] !== '/config.json') return next();
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'no-store');
    res.end(
      JSON.stringify({
        apiUrl: process.env.WEB_API_URL ?? '',
        socketUrl: process.env.WEB_SOCKET_URL ?? '',
        // The same variable the socket app reads: the page refuses bigger files before sending.
        maxFileBytes: Number(process.env.MAX_FILE_BYTES) || undefined,
      }),
    );
  };
  return {
    name: 'chat-runtime-config',
    configureServer: (server) => void server.middlewares.use(serve),
    configurePreviewServer: (server) => void server.middlewares.use(serve),
  };
}

const port = Number(process.env.WEB_PORT ?? 8080);

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [runtimeConfig()],
  // The same alias as tsconfig.base.json's paths: libs are imported through their index.ts.
  resolve: { alias: { '@chat/client': resolve(import.meta.dirname, '../../libs/client/src/index.ts') } },
  build: { outDir: '../../dist/web', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: { host: process.env.WEB_HOST ?? '127.0.0.1', port, strictPort: true },
  preview: { host: process.env.WEB_HOST ?? '127.0.0.1', port, strictPort: true },
});
