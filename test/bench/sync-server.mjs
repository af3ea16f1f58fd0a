// The S3 server of the sync benchmark, in a process of its own: s3rver on loopback, and in front
// of it a proxy that holds every response body to one shared budget of bits per second.
//   node test/bench/sync-server.mjs <folder> <link Mbit/s>   (sends { endpoint, linkEndpoint })
import { createServer, request } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';

const [folder, mbps] = process.argv.slice(2);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: folder, configureBuckets: [{ name: 'plugins', configs: [] }] });
const { port } = await server.run();
const endpoint = `http://127.0.0.1:${port}`;

// The link: every response body shares one budget of bytes per second (a token bucket).
const bytesPerSecond = (Number(mbps) * 1e6) / 8;
let budgetAt = performance.now();
const linkDelay = (bytes) => {
  budgetAt = Math.max(budgetAt, performance.now()) + (bytes / bytesPerSecond) * 1000;
  return Math.max(0, budgetAt - performance.now());
};
const link = createServer((req, res) => {
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    const throttle = new Transform({
      transform(chunk, _encoding, done) {
        setTimeout(() => done(null, chunk), linkDelay(chunk.length));
      },
    });
    pipeline(answer, throttle, res).catch(() => {});
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});
await new Promise((resolve) => link.listen(0, '127.0.0.1', resolve));
const linkEndpoint = `http://127.0.0.1:${link.address().port}`;

process.send({ endpoint, linkEndpoint });
process.on('disconnect', () => process.exit(0));
