import type { Command } from 'commander';
import { numberOption } from './option-values.js';

/** `mixchain serve`: the HTTP service (see the README's "Service" section). */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the mix service: uploads, synchronous mixes and jobs over HTTP')
    .addOption(numberOption('--port <n>', 'port to listen on (PORT, default 8080)'))
    .option('--host <address>', 'address to listen on (HOST, default 127.0.0.1)')
    .option('--data-dir <folder>', 'database and files (MIXCHAIN_DATA_DIR, default ~/.local/share/mixchain)')
    .addOption(numberOption('--workers <n>', 'render workers (MIXCHAIN_WORKERS, default: cores; 0: API only)'))
    .action(async (values: { port?: number; host?: string; dataDir?: string; workers?: number }) => {
      // Loaded here, not at the top: the server's modules cost every other command about a second.
      const { startServer } = await import('../server/start.js');
      const { url } = await startServer({ port: values.port, host: values.host, dataDir: values.dataDir, workers: values.workers });
      process.stderr.write(`mixchain: serving on ${url} (the web page: ${url}/, API reference: ${url}/docs)\n`);
    });
}
