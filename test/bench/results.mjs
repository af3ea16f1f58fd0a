// The verdict table the service benchmarks end with: each measure, what was measured, the goal,
// and whether it was met.
export class Results {
  rows = [];

  /** Records a measure against its goal. */
  add(measure, measured, target, pass) {
    this.rows.push({ measure, measured, target, verdict: pass ? 'PASS' : 'MISS' });
  }

  /** Prints the table, then the load at start and now. */
  print(quick, loadAtStart, loadNow) {
    const width = (key) => Math.max(key.length, ...this.rows.map((r) => r[key].length));
    const row = (r) => ['measure', 'measured', 'target', 'verdict'].map((key) => r[key].padEnd(width(key))).join('  ');
    console.log(`\nresults${quick ? ' (BENCH_QUICK)' : ''}:`);
    console.log(row({ measure: 'measure', measured: 'measured', target: 'target', verdict: '' }));
    for (const r of this.rows) console.log(row(r));
    console.log(`load at start ${loadAtStart}, at end ${loadNow}`);
  }
}
