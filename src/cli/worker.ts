import type { Command } from 'commander';
import { numberOption } from './option-values.js';

/** `mixchain worker`: a render node of distributed mode (see the README's "Scaling out"). */
export function addWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a render node: takes jobs from the shared queue on Redis (REDIS_URL), no API')
    .addOption(numberOption('--port <n>', 'port of /livez, /readyz and /metrics (PORT, default 8081)'))
    .option('--host <address>', 'address to listen on (HOST, default 127.0.0.1)')
    .option('--data-dir <folder>', 'this node\'s cache of the bucket (MIXCHAIN_DATA_DIR, default ~/.local/share/mixchain)')
    .addOption(numberOption('--workers <n>', 'render workers (MIXCHAIN_WORKERS, default: cores)'))
    .action(async (values: { port?: number; host?: string; dataDir?: string; workers?: number }) => {
      // Loaded here, not at the top: the server's modules cost every other command about a second.
      const { startWorker } = await import('../server/worker.js');
      const { url, app } = await startWorker({ port: values.port, host: values.host, dataDir: values.dataDir, workers: values.workers });
      const { workers } = app.renderNode.config;
      process.stderr.write(`mixchain: render node with ${workers} worker${workers === 1 ? '' : 's'} on ${url} (/livez /readyz /metrics)\n`);
    });
}
