import type { Command } from 'commander';
import { renderFile } from '../audio/render-file.js';
import type { ChainSlot } from '../host/chain.js';
import type { WriteAudioOptions } from '../audio/audio-file.js';
import { numberOption, numberOrWordOption, repeatableOption } from './option-values.js';
import { applyPreset, applySet, splitClass } from './slots.js';
import { formatReport } from './report.js';
import { print } from './stdout.js';

/** The options as commander reads them (`--sample-type` is `sampleType`). */
interface RenderFlags {
  output: string;
  chain: string;
  set?: string[];
  preset?: string[];
  block?: number;
  tail: number | string;
  sampleType?: WriteAudioOptions['sampleType'];
  json?: boolean;
}

/** `mixchain render`: a file through a chain of plugins to another file, with a report. */
export function addRenderCommand(program: Command): void {
  program
    .command('render')
    .description('render a file through a chain of plugins to another file, with a report')
    .argument('<in>', 'the input file')
    .requiredOption('-o, --output <file>', 'the output file (format by extension)')
    .requiredOption('--chain <bundles>', 'the plugins in order: <bundle>[,<bundle>...], each a path or a name, <bundle>:<class> to pick a class')
    .addOption(repeatableOption('--set <slot:param=value>', 'a parameter as the plugin displays it (-20 for a threshold in dB), :n appended for a normalized 0..1 value; the slot is its index or bundle name; repeatable'))
    .addOption(repeatableOption('--preset <slot:file>', 'a .vstpreset for a slot; repeatable'))
    .addOption(numberOption('--block <N>', 'largest block in frames: a power of two from 32 to 8192'))
    .addOption(numberOrWordOption('--tail <seconds>', 'seconds rendered past the input (0 to 300), or auto: until the output stays below -90 dBFS for 100 ms, at most 30 s').default(0))
    .option('--sample-type <type>', 'for wav and flac: pcm16, pcm24 (default) or float (wav only)')
    .option('--json', 'print the report as JSON')
    .action(render);
}

async function render(input: string, flags: RenderFlags): Promise<void> {
  const slots: ChainSlot[] = flags.chain.split(',').map((spec) => {
    const { bundle, className } = splitClass(spec.trim());
    return className === undefined ? { plugin: bundle } : { plugin: bundle, className };
  });
  for (const spec of flags.set ?? []) applySet(slots, spec);
  for (const spec of flags.preset ?? []) applyPreset(slots, spec);
  const report = await renderFile(input, flags.output, slots, {
    // The library checks the tail's range and its one word, 'auto'.
    tail: flags.tail as number | 'auto',
    maxBlockSize: flags.block,
    output: flags.sampleType === undefined ? undefined : { sampleType: flags.sampleType },
  });
  print(flags.json ? JSON.stringify(report, null, 2) : formatReport(report));
  // A render that produced silence or non-finite samples worked as a command but failed its job.
  if (report.output.nonFinite > 0 || report.output.silent) process.exitCode = 1;
}
