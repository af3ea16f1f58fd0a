#!/usr/bin/env node
// mixchain: the command line. Each command lives in its own module; this file dispatches and
// turns errors into a one-line message (with the code) and exit status 1.
import { MixchainError } from '../errors.js';
import { pluginsInfo } from './plugins-info.js';
import { pluginsLs, pluginsStatus, pluginsSync } from './plugins-sync.js';
import { render } from './render.js';
import { demo } from './demo.js';
import { mix } from './mix.js';
import { recipes } from './recipes.js';

const usage = `usage:
  mixchain plugins info <bundle> [--class <name>] [--json]
  mixchain plugins sync [--prune] [--recipe <recipe>]... [--concurrency N] [--json]
  mixchain plugins ls [--local] [--json]
  mixchain plugins status [--recipe <recipe>]... [--json]
  mixchain render <in> -o <out> --chain <bundle>[,<bundle>...] [--set <slot>:<param>=<value>[:n]]...
                  [--preset <slot>:<file.vstpreset>]... [--block N] [--tail auto|<seconds>]
                  [--sample-type pcm16|pcm24|float] [--json]
  mixchain mix --vocal <file> [--beat <file>] [--extra <file>]... [--recipe default|hise|<file.json>]
              [--reverb reverb1|reverb2|reverb3new|none] [--doubler] [--robot] [--vocal-gain dB] [--beat-gain dB]
              [--lufs <LUFS>|streaming|apple|podcast|broadcast|none] [--start s --duration s]
              [--sample-rate Hz] [--block N] [--sample-type pcm16|pcm24|float] -o <out> [--json]
  mixchain recipes [<recipe>...] [--json]
  mixchain demo [-o <out.wav>] [--json]

A bundle is a path or a name looked up in $VST_LINUX_DIR, ~/.vst3, /usr/lib/vst3, /usr/local/lib/vst3;
add a class as <bundle>:<class name> when the bundle holds several. plugins sync reads R2_ACCOUNT_ID
(or R2_ENDPOINT), R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, R2_BUCKET_NAME, R2_VST_PREFIX, VST_LINUX_DIR. Values are given as the plugin
displays them (-20 for a threshold in dB); append :n for a normalized 0..1 value.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'plugins' && rest[0] === 'info') return pluginsInfo(rest.slice(1));
  if (command === 'plugins' && rest[0] === 'sync') return pluginsSync(rest.slice(1));
  if (command === 'plugins' && rest[0] === 'ls') return pluginsLs(rest.slice(1));
  if (command === 'plugins' && rest[0] === 'status') return pluginsStatus(rest.slice(1));
  if (command === 'render') return render(rest);
  if (command === 'demo') return demo(rest);
  if (command === 'mix') return mix(rest);
  if (command === 'recipes') return recipes(rest);
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage);
    return 0;
  }
  console.error(`mixchain: unknown command '${argv.join(' ')}'\n\n${usage}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof MixchainError) {
      console.error(`mixchain: ${error.code}: ${error.message}`);
    } else if (error instanceof Error && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`mixchain: ${error.message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  },
);
