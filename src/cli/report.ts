import type { RenderReport } from '../audio/render-file.js';

const dB = (linear: number) => (linear > 0 ? `${(20 * Math.log10(linear)).toFixed(1)} dBFS` : '-inf dBFS');

/** The render report as a person reads it. */
export function formatReport(report: RenderReport): string {
  const { input, output } = report;
  return [
    `in : ${input.path} (${input.channels} ch, ${input.sampleRate} Hz, ${input.seconds.toFixed(2)} s), peak ${dB(input.peak)}`,
    `chain (block ${report.blockSize}):`,
    ...report.chain.map((slot, i) => `  ${i}. ${slot.plugin} (${slot.layout}, latency ${slot.latencySamples})`),
    `latency compensated: ${report.latencyCompensatedSamples} samples, tail rendered: ${report.tailSeconds.toFixed(2)} s`,
    `out: ${output.path} (${output.channels} ch, ${output.seconds.toFixed(2)} s), peak ${dB(output.peak)}, ` +
      `non-finite samples ${output.nonFinite}${output.silent ? ', SILENT' : ''}`,
    `render ${(report.renderSeconds * 1000).toFixed(0)} ms, ${report.realtimeFactor.toFixed(1)}x realtime`,
  ].join('\n');
}
