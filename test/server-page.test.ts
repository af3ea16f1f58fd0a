// The web page as the service serves it: the page and its files from src/web, the two browser
// libraries from their npm package and nothing else of it, under a Content-Security-Policy that
// lets no inline or foreign script run; the API's answers keep their own headers.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './fixtures/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ workers: 0 });
});
afterAll(async () => {
  await server?.close();
});

const get = (url: string) => server.app.inject({ url });

describe('the web page', () => {
  it('serves the page at / under a CSP that allows only this origin\'s scripts and no inline style but its nonce\'s', async () => {
    const page = await get('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('script-src')).toEqual(["'self'"]);
    // No inline style but the one that carries this load's nonce (wavesurfer.js's <style>); the
    // page hands the nonce to its script in a meta tag, and the next load gets another.
    const [self, nonce] = directives.get('style-src')!;
    expect(self).toBe("'self'");
    const value = /^'nonce-([A-Za-z0-9+/]{22}==)'$/.exec(nonce!)?.[1];
    expect(value).toBeTruthy();
    const file = readFileSync(new URL('../src/web/index.html', import.meta.url), 'utf8');
    expect(page.body).toBe(file.replace('<meta name="csp-nonce" content="">', `<meta name="csp-nonce" content="${value}">`));
    expect((await get('/')).headers['content-security-policy']).not.toContain(value);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.has('upgrade-insecure-requests')).toBe(false);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // No inline script in the page itself: every script is a module file of this origin.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.body).not.toMatch(/\son[a-z]+=/i);
  });

  it('serves the vendored wavesurfer.js and its regions plugin from the package, byte for byte, and nothing else of it', async () => {
    for (const [file, source] of [['wavesurfer.esm.js', 'dist/wavesurfer.esm.js'], ['regions.esm.js', 'dist/plugins/regions.esm.js']] as const) {
      const served = await get(`/vendor/${file}`);
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toMatch(/javascript/);
      expect(served.body).toBe(readFileSync(new URL(`../node_modules/wavesurfer.js/${source}`, import.meta.url), 'utf8'));
    }
    // The page's own files revalidate on every load (the page and its modules change together).
    const style = await get('/web/style.css');
    expect(style.statusCode).toBe(200);
    expect(style.headers['cache-control']).toBe('public, max-age=0');
    expect(style.headers.etag).toBeTruthy();
    expect((await server.app.inject({ url: '/web/style.css', headers: { 'if-none-match': String(style.headers.etag) } })).statusCode).toBe(304);
    // Only / serves the page (with its nonce); not /web/index.html.
    for (const url of ['/web/index.html', '/web/index%2Ehtml', '/web/./index.html', '/vendor/wavesurfer.cjs', '/vendor/package.json', '/vendor/..%2Fpackage.json', '/vendor/plugins%2Fregions.cjs', '/web/..%2F..%2Fpackage.json', '/web/../../package.json', '/web/nothing.js']) {
      const refused = await get(url);
      expect(refused.statusCode, url).toBe(404);
      expect(refused.headers['content-type'], url).toMatch(/^application\/problem\+json/);
    }
  });

  it('keeps the page\'s headers off the API', async () => {
    const info = await get('/api/v1/info');
    expect(info.statusCode).toBe(200);
    expect(info.headers['content-security-policy']).toBeUndefined();
  });
});
