import { invalidArgument } from '../errors.js';
import type { ChainSlot } from '../host/chain.js';
import type { ParameterInput } from '../host/plugin.js';
import { numberIn } from './option-values.js';

/** `<bundle>` or `<bundle>:<class name>`. */
export function splitClass(spec: string): { bundle: string; className?: string } {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0) return { bundle: spec };
  return { bundle: spec.slice(0, colon), className: spec.slice(colon + 1) };
}

/** The slot a `--set`/`--preset` refers to: its index, or the bundle name of exactly one slot. */
function slotIndex(slots: ChainSlot[], key: string, flag: string): number {
  if (/^\d+$/.test(key)) {
    const index = Number(key);
    if (index < slots.length) return index;
  }
  const matches = slots.flatMap((slot, i) => (slot.plugin.split('/').pop()!.replace(/\.vst3$/, '').toLowerCase() === key.toLowerCase() ? [i] : []));
  if (matches.length === 1) return matches[0]!;
  throw invalidArgument(`${flag} ${key}`, `a slot index from 0 to ${slots.length - 1} or the name of one bundle in the chain`, key, 'ERR_SLOT_UNKNOWN');
}

/** Applies `--set <slot>:<param>=<value>[:n]` to the slots. */
export function applySet(slots: ChainSlot[], spec: string): void {
  const match = /^([^:]+):([^=]+)=(.*)$/.exec(spec);
  if (!match) throw invalidArgument('--set', '<slot>:<param>=<value>', spec);
  const [, slotKey, param, raw] = match as unknown as [string, string, string, string];
  const index = slotIndex(slots, slotKey, '--set');
  const normalized = raw.endsWith(':n');
  const text = normalized ? raw.slice(0, -2) : raw;
  const slot = slots[index]!;
  if (normalized) {
    const value = numberIn(text);
    if (value === undefined) throw invalidArgument(`--set ${spec}`, 'a number before :n', text, 'ERR_VALUE_OUT_OF_RANGE');
    slot.normalizedParameters = { ...slot.normalizedParameters, [param]: value };
  } else {
    const value: ParameterInput = numberIn(text) ?? text;
    slot.parameters = { ...slot.parameters, [param]: value };
  }
}

/** Applies `--preset <slot>:<file>`. */
export function applyPreset(slots: ChainSlot[], spec: string): void {
  const colon = spec.indexOf(':');
  if (colon <= 0) throw invalidArgument('--preset', '<slot>:<file.vstpreset>', spec);
  slots[slotIndex(slots, spec.slice(0, colon), '--preset')]!.preset = spec.slice(colon + 1);
}
