import type { Command } from 'commander';
import { loadPlugin, scanBundle } from '../host/plugin.js';
import { splitClass } from './slots.js';
import { print } from './stdout.js';

/** `mixchain plugins info <bundle>`: classes, vendor, parameters, buses, latency, tail. */
export function addPluginsInfoCommand(plugins: Command): void {
  plugins
    .command('info')
    .description("a bundle's classes, vendor, parameters, buses, latency and tail")
    .argument('<bundle>', 'a path or a name, <bundle>:<class> to pick a class')
    .option('--class <name>', 'the class to load when the bundle holds several')
    .option('--json', 'print the description as JSON')
    .action(pluginsInfo);
}

async function pluginsInfo(spec: string, values: { class?: string; json?: boolean }): Promise<void> {
  const { bundle, className } = splitClass(spec);
  const scan = scanBundle(bundle);
  const effects = scan.classes.filter((c) => c.category === 'Audio Module Class');
  const chosen = values.class ?? className ?? (effects.length === 1 ? undefined : effects[0]?.name);
  await using plugin = await loadPlugin(scan.bundlePath, chosen === undefined ? {} : { className: chosen });
  const parameters = plugin.parameters.map((p) => {
    const max = plugin.textFor(p.id, 1);
    return { ...p, units: p.units || unitsIn(max), default: plugin.textFor(p.id, p.defaultNormalized), min: plugin.textFor(p.id, 0), max };
  });
  const info = { ...scan, plugin: plugin.info, parameters };
  if (values.json) {
    print(JSON.stringify(info, null, 2));
    return;
  }
  const lines = [
    `${scan.bundlePath}`,
    `  binary  ${scan.binaryPath}`,
    `  vendor  ${scan.factoryVendor}${scan.factoryUrl ? ` (${scan.factoryUrl})` : ''}`,
    `  classes ${scan.classes.map((c) => `${c.name} [${c.category}${c.subCategories ? `: ${c.subCategories}` : ''}]`).join(', ')}`,
    `${plugin.name} ${plugin.info.class.version} (class ${plugin.info.class.id})`,
    `  buses   in ${plugin.info.buses.inputs.join('+')} ch, out ${plugin.info.buses.outputs.join('+')} ch; runs ${plugin.info.layout} on stereo`,
    `  latency ${plugin.info.latencySamples} samples, tail ${plugin.info.tailSamples} samples (at ${plugin.info.sampleRate} Hz)`,
    `  parameters:`,
    ...parameters.map((p) => {
      const flags = [p.hidden && 'hidden', p.readOnly && 'read-only', p.bypass && 'bypass', p.list && 'list'].filter(Boolean);
      const range = p.stepCount > 0 && p.stepCount <= 16
        ? `${p.stepCount + 1} steps`
        : `${p.min} .. ${p.max}`;
      // The min and max texts already show units read from them; the plugin's own are added.
      const units = plugin.parameter(p.id).units;
      return `    ${String(p.id).padStart(4)} ${p.title.padEnd(22)} ${range}${units ? ` ${units}` : ''}, default ${p.default}` +
        (flags.length ? ` [${flags.join(', ')}]` : '');
    }),
  ];
  print(lines.join('\n'));
}

/**
 * The unit a displayed value ends with ("24.0 dB" → "dB"): JUCE plugins (every HISE export)
 * report no units and show them only in their text.
 */
function unitsIn(text: string): string {
  return /^\s*[-+]?(?:\d+\.?\d*|\.\d+|inf)\s*(.*)$/i.exec(text)?.[1]?.trim() ?? '';
}
