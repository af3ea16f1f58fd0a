/**
 * mixchain/server: the mix service for embedding. {@link buildApp} gives the whole service as a
 * Fastify instance without listening (for tests: `app.inject`); {@link startServer} is what
 * `mixchain serve` runs. Kept apart from the main entry so the library loads without Fastify.
 */
export { buildApp } from './app.js';
export type { AppOptions } from './app.js';
export { startServer } from './start.js';
export type { Started } from './start.js';
export { resolveConfig, DEFAULT_DATA_DIR } from './config.js';
export type { ServerConfig } from './config.js';
