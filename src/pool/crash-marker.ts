// The supervising side of native/host/crash_marker.h: creates the file a worker process maps,
// and reads it after the process died to learn which task was inside which plugin, in which call.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { phaseName, type PluginPhase } from '../host/plugin-phase.js';

const HEADER_BYTES = 16;
const SLOT_BYTES = 128;
const PLUGIN_NAME_BYTES = 104;
const PLUGIN_NAME_AT = 24;
const VERSION = 2;

const enum SlotState {
  InPlugin = 2,
  Crashed = 3,
}

export interface MarkedRender {
  /** The task's tag (its pool task id); 0 for a call made for no task (e.g. a reset between renders). */
  tag: number;
  /** The plugin it was inside, by class name (by bundle name while the module loads). */
  plugin: string;
  /** The call it was inside: 'process', 'flush' (of parameter edits), 'setState', 'create'… */
  phase: PluginPhase;
  /** The fatal signal the plugin raised, when it crashed ('SIGSEGV'…); null when it was only inside. */
  signal: string | null;
}

/** Creates (or empties) a marker file with `slots` slots, one per rendering thread. */
export function createCrashMarker(path: string, slots: number): void {
  const bytes = Buffer.alloc(HEADER_BYTES + slots * SLOT_BYTES);
  bytes.write('MXCM', 0, 'latin1');
  bytes.writeUInt32LE(VERSION, 4);
  bytes.writeUInt32LE(slots, 8);
  bytes.writeUInt32LE(SLOT_BYTES, 12);
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, number]) => [number as number, name]));

/** The renders that were inside a plugin when the process ended, crashed ones flagged. */
export function readCrashMarker(path: string): MarkedRender[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return [];
  }
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 4) !== 'MXCM' || bytes.readUInt32LE(4) !== VERSION) return [];
  const slots = Math.min(bytes.readUInt32LE(8), Math.floor((bytes.length - HEADER_BYTES) / SLOT_BYTES));
  const marked: MarkedRender[] = [];
  for (let i = 0; i < slots; i++) {
    const at = HEADER_BYTES + i * SLOT_BYTES;
    const state = bytes.readUInt32LE(at);
    const tag = bytes.readUInt32LE(at + 4);
    if (state !== SlotState.InPlugin && state !== SlotState.Crashed) continue;
    const name = bytes.subarray(at + PLUGIN_NAME_AT, at + PLUGIN_NAME_AT + PLUGIN_NAME_BYTES);
    const end = name.indexOf(0);
    const signal = bytes.readInt32LE(at + 8);
    marked.push({
      tag,
      plugin: name.toString('utf8', 0, end < 0 ? name.length : end),
      phase: phaseName(bytes.readUInt32LE(at + 12)),
      signal: state === SlotState.Crashed ? (signalNames.get(signal) ?? `signal ${signal}`) : null,
    });
  }
  return marked;
}
