// The before/after figures of a report: integrated loudness, true peak and loudness range of the
// original (dry vocal over the beat) and of the mix, the loudness target and the render time.

const cell = (id) => document.querySelector(`[data-testid="${id}"]`);

/** One decimal; a dash for what the report lacks (silence has no loudness: JSON null). */
const figure = (value) => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(1) : '–');

export function showFigures(report) {
  const sides = { original: report?.original ?? null, mixed: report?.master ?? null };
  for (const [col, side] of Object.entries(sides)) {
    cell(`fig-lufs-${col}`).textContent = figure(side?.integratedLufs);
    cell(`fig-tp-${col}`).textContent = figure(side?.truePeakDbtp);
    cell(`fig-lra-${col}`).textContent = figure(side?.rangeLu);
  }
  // A report without a target (loudness left as it came) says "none".
  const target = report?.loudness?.targetLufs ?? null;
  cell('fig-target').textContent = report && target === null ? 'none' : figure(target);
  cell('fig-render-time').textContent = figure(report?.renderSeconds);
}

export function clearFigures() {
  showFigures(null);
}
