// The child process of a process host: runs its tasks on a thread host of its own and answers
// over IPC. What plugins print goes to the parent as messages, not to the terminal. It ends when
// asked to, or when its parent goes away.
import { capturePluginOutput } from '../host/plugin-output.js';
import type { ChildMessage, ParentMessage } from './process-messages.js';
import { inputBuffers, stageOutput, unstageInputs } from './staged-audio.js';
import { ThreadHost } from './thread-host.js';

const host = new ThreadHost(0, {
  threads: Number(process.env.MIXCHAIN_POOL_THREADS ?? 1),
  maxWarmInstances: Number(process.env.MIXCHAIN_POOL_WARM_INSTANCES ?? 64),
});

const staging = process.env.MIXCHAIN_POOL_STAGING!;
const reply = (message: ChildMessage) => process.send?.(message);
capturePluginOutput((line) => reply({ type: 'output', line }));

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'run': {
      const task = unstageInputs(message.task);
      const onProgress = (fraction: number, stage: string) => reply({ type: 'progress', id: message.id, fraction, stage });
      void host.run(message.id, task, inputBuffers(task), onProgress).then((outcome) => reply({ type: 'result', id: message.id, ...stageOutput(outcome, staging) }));
      break;
    }
    case 'cancel':
      host.cancel(message.id);
      break;
    case 'close':
      void host.close().then(() => process.exit(0));
      break;
  }
});
// The parent is gone (SIGKILL included). Renders run on other threads while this one only relays
// messages, so it hears this at once, and exiting waits for no render, not even one stuck in a plugin.
process.on('disconnect', () => process.exit(0));
