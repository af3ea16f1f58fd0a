// The messages between a process host and its child.
import type { PluginOutputLine } from '../host/plugin-output.js';
import type { StagedAudio } from './staged-audio.js';
import type { Outcome, PoolTask, StageReport } from './task.js';

export type ParentMessage = { type: 'run'; id: number; task: PoolTask } | { type: 'cancel'; id: number } | { type: 'close' };

export interface ResultMessage {
  type: 'result';
  id: number;
  outcome: Outcome;
  /** The outcome's audio, when it was large enough to travel through a staged file. */
  channels?: StagedAudio;
}

/** A stage of a running mix has started. */
export interface ProgressMessage extends StageReport {
  type: 'progress';
  id: number;
}

/** A line a plugin (or anything else in the child) printed. */
export interface OutputMessage {
  type: 'output';
  line: PluginOutputLine;
}

export type ChildMessage = ResultMessage | ProgressMessage | OutputMessage;
