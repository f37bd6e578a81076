import { execFileSync } from 'node:child_process';

/**
 * Tests drive the built CLI and the native runtime, so they are built from the
 * current sources once before any test runs; a stale dist/ can never be tested.
 */
export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
