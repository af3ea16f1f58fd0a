// The messages between a process host and its child.
import type { StagedAudio } from './staged-audio.js';
import type { Outcome, PoolTask } from './task.js';

export type ParentMessage = { type: 'run'; id: number; task: PoolTask } | { type: 'cancel'; id: number } | { type: 'close' };

export interface ChildMessage {
  id: number;
  outcome: Outcome;
  /** The outcome's audio, when it was large enough to travel through a staged file. */
  channels?: StagedAudio;
}
