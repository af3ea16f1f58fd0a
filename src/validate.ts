// Argument checks shared by the library's entry points: each throws a MixchainError naming the
// parameter, what was expected and what arrived.
import { invalidArgument } from './errors.js';

export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidArgument(name, 'a non-empty string', value);
  return value;
}

export function requireNumber(value: unknown, name: string, code?: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidArgument(name, 'a finite number', value, code);
  return value;
}

export function requireInteger(value: unknown, name: string, code?: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgument(name, 'an integer', value, code);
  return value;
}

export function requireChannels(value: unknown, name: string, channels?: number): Float32Array[] {
  if (!Array.isArray(value) || value.some((c) => !(c instanceof Float32Array))) {
    throw invalidArgument(name, 'an array of Float32Array channels', value, 'ERR_CHANNELS');
  }
  if (channels !== undefined && value.length !== channels) {
    throw invalidArgument(name, `${channels} channel${channels === 1 ? '' : 's'}`, value, 'ERR_CHANNELS');
  }
  const frames = (value[0] as Float32Array | undefined)?.length ?? 0;
  if (value.some((c: Float32Array) => c.length !== frames)) {
    throw invalidArgument(name, `channels of equal length (${frames} frames)`, value.map((c: Float32Array) => c.length).join('/'), 'ERR_CHANNELS');
  }
  return value as Float32Array[];
}

/** A yes/no word of an environment variable (`1 true yes on` / `0 false no off`, any case), or null for anything else. */
export function yesOrNo(text: string): boolean | null {
  const word = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(word)) return true;
  if (['0', 'false', 'no', 'off'].includes(word)) return false;
  return null;
}
