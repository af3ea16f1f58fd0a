// How the parts below the server log: one function that the server binds to its logger (pino),
// so the storage, the job runner and the deliveries stay free of it and tests can collect lines.
export type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
