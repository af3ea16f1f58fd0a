// The web page: `/` is src/web/index.html, the page's other files are under /web/, and the two
// browser libraries it uses come from their npm package (wavesurfer.js and its regions plugin,
// pinned in package.json), never from a CDN. A Content-Security-Policy lets the page run only
// scripts of this origin: no inline script, no eval, no foreign script; and no inline style but
// wavesurfer.js's one <style>, which carries a nonce made for each page load. The page reads
// everything (the API and the results, with ?redirect=false) from this origin, so connect-src is
// 'self' alone.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

const PAGE_CSP: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

const cspHeader = (directives: Record<string, string[]>) =>
  Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');

export default async function pageRoutes(app: FastifyInstance) {
  // Helmet's defaults would add upgrade-insecure-requests, which breaks a service reached over
  // plain HTTP on a private network; the directives are therefore spelt out in full.
  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP } });
  // Revalidated on every use (max-age=0 with an ETag, answered 304 while unchanged): the page at
  // `/` is never cached, so its modules must not be an hour older than it after an upgrade.
  // index.html is served at `/` only, where it carries its nonce; not here without one.
  await app.register(fastifyStatic, {
    root: pageFolder,
    prefix: '/web/',
    index: false,
    wildcard: true,
    cacheControl: true,
    maxAge: 0,
    etag: true,
    allowedPath: (pathName) => pathName !== '/index.html',
  });
  const hide = { schema: { hide: true } };
  // Read once: the page is part of the installed package.
  const page = readFileSync(join(pageFolder, 'index.html'), 'utf8');
  app.get('/', hide, async (request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('Content-Security-Policy', cspHeader({ ...PAGE_CSP, 'style-src': [...PAGE_CSP['style-src']!, `'nonce-${nonce}'`] }))
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page.replace('<meta name="csp-nonce" content="">', `<meta name="csp-nonce" content="${nonce}">`));
  });
  // Only the two files the page imports, from their own folders: nothing else of node_modules.
  // Revalidated as the page's modules are: an upgrade may bring another version of them.
  app.get('/vendor/:file', hide, async (request, reply) => {
    const { file } = request.params as { file: string };
    if (!Object.hasOwn(VENDORED, file)) return reply.callNotFound();
    return reply.sendFile(VENDORED[file]!, wavesurferDist, { maxAge: 0 });
  });
}
