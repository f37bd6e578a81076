import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Tests drive the built CLI and the native runtime, so both are built from the
 * current sources before any test runs. A type error still emits JavaScript and is
 * reported by `npm run typecheck`, so it only warns here; tests that need a piece
 * that did not build fail on their own.
 *
 * Every test names its own engine socket and data root. Should one forget, the CLI's
 * autostart must not start an engine at the machine's default place: the defaults
 * point into a folder of this run, and an engine found there at the end is stopped
 * and reported.
 */
export default function setup(): () => void {
  for (const script of ['build:ts', 'build:native']) {
    const result = spawnSync('npm', ['run', '--silent', script], { encoding: 'utf8' });
    if (result.status !== 0) {
      process.stderr.write(
        `warning: npm run ${script} failed:\n${result.stdout}${result.stderr}\n`,
      );
    }
  }
  const fallback = mkdtempSync(join(tmpdir(), 'tcompose-tests-'));
  process.env.TCOMPOSE_ROOT ??= join(fallback, 'root');
  process.env.TCOMPOSE_HOST ??= join(fallback, 'engine.sock');
  return () => {
    if (existsSync(join(fallback, 'engine.sock'))) {
      process.stderr.write(
        'warning: a test started an engine without a TCOMPOSE_HOST of its own\n',
      );
      spawnSync('node', ['dist/cli/main.cjs', 'engine', 'stop'], { stdio: 'inherit' });
    }
    rmSync(fallback, { recursive: true, force: true });
  };
}
