// The web page: `/` is src/web/index.html, the page's other files are under /web/, and the two
// browser libraries it uses come from their npm package (wavesurfer.js and its regions plugin,
// pinned in package.json), never from a CDN. A Content-Security-Policy lets the page run only
// scripts of this origin: no inline script, no eval, no foreign script. Inline styles are allowed
// because wavesurfer.js styles its Shadow DOM with them. The page reads everything (the API and the
// results, with ?redirect=false) from this origin, so connect-src is 'self' alone.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageDirectory } from '../../package-dir.js';

const pageFolder = join(packageDirectory, 'src', 'web');
// The package's "require" entry is dist/wavesurfer.cjs; its ES modules sit beside it.
const wavesurferDist = dirname(createRequire(import.meta.url).resolve('wavesurfer.js'));
const VENDORED: Record<string, string> = { 'wavesurfer.esm.js': 'wavesurfer.esm.js', 'regions.esm.js': join('plugins', 'regions.esm.js') };

export const PAGE_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

export default async function pageRoutes(app: FastifyInstance) {
  // Helmet's defaults would add upgrade-insecure-requests, which breaks a service reached over
  // plain HTTP on a private network; the directives are therefore spelt out in full.
  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP } });
  await app.register(fastifyStatic, { root: pageFolder, prefix: '/web/', index: false, wildcard: true, cacheControl: true, maxAge: '1h' });
  const hide = { schema: { hide: true } };
  app.get('/', hide, async (request, reply) => reply.header('Cache-Control', 'no-cache').sendFile('index.html'));
  // Only the two files the page imports, from their own folders: nothing else of node_modules.
  app.get('/vendor/:file', hide, async (request, reply) => {
    const { file } = request.params as { file: string };
    if (!Object.hasOwn(VENDORED, file)) return reply.callNotFound();
    return reply.sendFile(VENDORED[file]!, wavesurferDist, { maxAge: '1d' });
  });
}
