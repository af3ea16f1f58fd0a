// The messages between a process host and its child.
import type { Outcome, PoolTask } from './task.js';

export type ParentMessage = { type: 'run'; id: number; task: PoolTask } | { type: 'cancel'; id: number } | { type: 'close' };

export interface ChildMessage {
  id: number;
  outcome: Outcome;
}
