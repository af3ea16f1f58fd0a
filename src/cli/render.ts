import { parseArgs } from 'node:util';
import { renderFile } from '../render-file.js';
import { invalidArgument } from '../errors.js';
import type { ChainSlot } from '../chain.js';
import { applyPreset, applySet, splitClass } from './slots.js';
import { formatReport } from './report.js';

/** `mixchain render`: a file through a chain of plugins to another file, with a report. */
export async function render(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      chain: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      preset: { type: 'string', multiple: true, default: [] },
      block: { type: 'string' },
      tail: { type: 'string', default: '0' },
      'sample-type': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw invalidArgument('render', 'one input file', positionals.join(' ') || 'none');
  if (!values.output) throw invalidArgument('-o', 'an output file', undefined);
  if (!values.chain) throw invalidArgument('--chain', 'a comma-separated list of bundles', undefined);
  const slots: ChainSlot[] = values.chain.split(',').map((spec) => {
    const { bundle, className } = splitClass(spec.trim());
    return className === undefined ? { plugin: bundle } : { plugin: bundle, className };
  });
  for (const spec of values.set) applySet(slots, spec);
  for (const spec of values.preset) applyPreset(slots, spec);
  const tail = values.tail === 'auto' ? 'auto' : Number(values.tail);
  const sampleType = values['sample-type'];
  const report = await renderFile(positionals[0]!, values.output, slots, {
    tail,
    ...(values.block === undefined ? {} : { maxBlockSize: Number(values.block) }),
    ...(sampleType === undefined ? {} : { output: { sampleType: sampleType as 'pcm16' | 'pcm24' | 'float' } }),
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.output.nonFinite > 0 || report.output.silent ? 1 : 0;
}
