/** A progress bar on stderr when it is a terminal (undefined otherwise: pipes get no bar). */
export function progressBar(): ((fraction: number, stage: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (fraction, stage) => {
    const width = 30;
    const done = Math.round(fraction * width);
    process.stderr.write(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${stage.padEnd(24)}`);
    if (fraction >= 1) process.stderr.write('\n');
  };
}
