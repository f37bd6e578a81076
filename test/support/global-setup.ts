import { spawnSync } from 'node:child_process';

/**
 * Tests drive the built CLI and the native runtime, so both are built from the
 * current sources before any test runs. A type error still emits JavaScript and is
 * reported by `npm run typecheck`, so it only warns here; tests that need a piece
 * that did not build fail on their own.
 */
export default function setup(): void {
  for (const script of ['build:ts', 'build:native']) {
    const result = spawnSync('npm', ['run', '--silent', script], { encoding: 'utf8' });
    if (result.status !== 0) {
      process.stderr.write(
        `warning: npm run ${script} failed:\n${result.stdout}${result.stderr}\n`,
      );
    }
  }
}
