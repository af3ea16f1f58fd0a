#!/usr/bin/env node
// mixchain: the command line. Each command lives in its own module and adds itself to the program
// here. This file decides how a run ends: a usage error (an unknown option, a missing value) prints
// commander's message and that command's help and exits 2; an error from the library prints its
// code and message on one line and exits 1.
import { Command, CommanderError } from 'commander';
import { MixchainError } from '../errors.js';
import { capturePluginOutput } from '../host/plugin-output.js';
import { printTo } from './stdout.js';
import { addPluginsInfoCommand } from './plugins-info.js';
import { addPluginsSyncCommands } from './plugins-sync.js';
import { addRenderCommand } from './render.js';
import { addDemoCommand } from './demo.js';
import { addMixCommand } from './mix.js';
import { addRecipesCommand } from './recipes.js';
import { addServeCommand } from './serve.js';
import { addKeysCommands } from './keys.js';
import { addWorkerCommand } from './worker.js';

const program = new Command('mixchain')
  .description('Host VST3 plugin chains: render a file through plugins, mix a vocal over a beat')
  .addHelpText(
    'after',
    `
Run mixchain <command> --help for a command's options.

A bundle is a path or a name looked up in $VST_LINUX_DIR, ~/.vst3, /usr/lib/vst3, /usr/local/lib/vst3;
add a class as <bundle>:<class name> when the bundle holds several. plugins sync reads R2_ACCOUNT_ID
(or R2_ENDPOINT), R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, R2_BUCKET_NAME, R2_VST_PREFIX, VST_LINUX_DIR. Values are given as the plugin
displays them (-20 for a threshold in dB); append :n for a normalized 0..1 value.`,
  )
  // Set before the commands are added, which inherit them: commander throws instead of calling
  // process.exit (so the exit status is decided below), and prefixes its messages as ours are.
  .exitOverride()
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(`mixchain: ${text.replace(/^error: /, '')}`) });

const plugins = program.command('plugins').description('describe plugin bundles; sync them from the bucket');
addPluginsInfoCommand(plugins);
addPluginsSyncCommands(plugins);
addRenderCommand(program);
addMixCommand(program);
addRecipesCommand(program);
addDemoCommand(program);
addServeCommand(program);
addWorkerCommand(program);
addKeysCommands(program);

const args = process.argv.slice(2);
// With --json, stdout carries the JSON alone: what plugins print goes to stderr, labelled.
const pluginOutput = args.includes('--json') ? capturePluginOutput() : null;
if (pluginOutput) printTo(pluginOutput.stdoutFd);
try {
  // Bare `mixchain` asks for the usage: it goes to stdout with status 0, as `mixchain --help` does.
  if (args.length === 0) program.outputHelp();
  else await program.parseAsync(args, { from: 'user' });
  pluginOutput?.stop();
} catch (error) {
  pluginOutput?.stop();
  if (error instanceof CommanderError) {
    // commander has printed the message or the help; only `--help` and `help` end with 0.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof MixchainError) {
    console.error(`mixchain: ${error.code}: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error(error);
    process.exitCode = 1;
  }
}
