/**
 * Every error mixchain throws is a {@link MixchainError} with a stable `code` (e.g.
 * `ERR_BUNDLE_NOT_FOUND`, `ERR_PARAM_UNKNOWN`, `ERR_VALUE_OUT_OF_RANGE`) and a message naming what
 * was expected and what arrived. Match on `code`, never on the message.
 */
export class MixchainError extends Error {
  readonly code: string;
  /** Facts behind the error, for programs (e.g. the plugin, phase and signal of a crash). */
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options);
    this.name = 'MixchainError';
    this.code = code;
    if (options?.details) this.details = options.details;
  }
}

/** A short description of a value for error messages: its type and, when small, the value. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as Uint8Array).length}`;
  switch (typeof value) {
    case 'string':
      return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    default:
      return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  }
}

/** The error for an argument of the wrong type or shape. */
export function invalidArgument(name: string, expected: string, actual: unknown, code = 'ERR_INVALID_ARGUMENT'): MixchainError {
  return new MixchainError(code, `Expected ${expected} for ${name} but got ${describe(actual)}`);
}

/**
 * Runs a native call, re-raising its coded error as a MixchainError whose stack points at the
 * caller rather than into the addon.
 */
export function native<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw fromNative(error);
  }
}

/** The same for a native promise. */
export async function nativeAsync<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromNative(error);
  }
}

function fromNative(error: unknown): unknown {
  if (error instanceof MixchainError) return error;
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
    return new MixchainError((error as Error & { code: string }).code, error.message);
  }
  return error;
}

/**
 * The error with each path in its message replaced by a name for it (an upload id, "the vocal"):
 * what callers of a service see must not show where the service keeps its files.
 */
export function withNames(error: unknown, names: ReadonlyMap<string, string>): unknown {
  if (!(error instanceof MixchainError)) return error;
  let message = error.message;
  for (const [path, name] of names) message = message.replaceAll(path, name);
  if (message === error.message) return error;
  return new MixchainError(error.code, message, { cause: error, ...(error.details ? { details: error.details } : {}) });
}
