// Prints the table of bench/compose-peers.sh from its hyperfine JSON files:
// medians per tool, and each ratio against the reference measured in the same run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [outDir, ...stacks] = process.argv.slice(2);

function medians(file) {
  const { results } = JSON.parse(readFileSync(join(outDir, file), 'utf8'));
  return results.map((result) => ({ name: result.command, median: result.median }));
}

const seconds = (value) => `${value.toFixed(3)} s`;

for (const stack of stacks) {
  for (const operation of ['up', 'down']) {
    const rows = medians(`${operation}-${stack}.json`);
    const [ours, ...peers] = rows;
    const fastestPeer = peers.reduce(
      (best, row) => (row.median < best.median ? row : best),
      peers[0],
    );
    console.log(`${operation} ${stack}:`);
    for (const row of rows) console.log(`  ${row.name.padEnd(32)} ${seconds(row.median)}`);
    if (fastestPeer) {
      const speedup = fastestPeer.median / ours.median;
      console.log(
        `  tcompose is ${speedup.toFixed(1)}x faster than the fastest peer (${fastestPeer.name}); target 10x`,
      );
    }
  }
  const [config, unchanged] = medians(`unchanged-${stack}.json`);
  const ratio = unchanged.median / config.median;
  console.log(
    `unchanged ${stack}: up -d ${seconds(unchanged.median)}, config ${seconds(config.median)}, ratio ${ratio.toFixed(2)} (target <= 2)`,
  );
}
