import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { type BundleOptions, writeBundle } from '../support/oci-bundle.js';

export const TCRUN = resolve(import.meta.dirname, '../../native/build/tcrun');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function toResult(r: SpawnSyncReturns<string>): Result {
  return { code: r.status ?? 128 + 9, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Every cgroup v1 hierarchy (or the v2 tree) where a container's cgroup directory would appear. */
export function cgroupMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => / - cgroup2? /.test(line))
    .map((line) => line.split(' ')[4] as string);
}

/**
 * One test file's sandbox: its own --root, bundles, IDs and cgroup paths under names no
 * other run uses, so that engineers running tests at the same time never collide.
 */
export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'tcrun-test-'));
  readonly root = join(this.dir, 'state');
  readonly tag = `${process.pid}-${this.dir.slice(-6)}`;
  private count = 0;

  /** A fresh container ID and cgroup path. */
  name(label: string): { id: string; cgroupsPath: string } {
    this.count += 1;
    const id = `${label}-${this.tag}-${this.count}`;
    return { id, cgroupsPath: `/tcrun-test/${id}` };
  }

  bundle(id: string, options: BundleOptions): string {
    return writeBundle(join(this.dir, 'bundles', id), options);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  tcrun(args: string[], input?: string, timeout = 20_000): Result {
    return toResult(
      spawnSync(TCRUN, ['--root', this.root, ...args], { encoding: 'utf8', input, timeout }),
    );
  }

  /** tcrun in the background (for foreground `run` or `exec` that a test interacts with). */
  spawn(args: string[]) {
    return spawn(TCRUN, ['--root', this.root, ...args], { stdio: 'pipe' });
  }

  /** `tcrun run` in the foreground with a bundle made from options. */
  run(label: string, options: Omit<BundleOptions, 'cgroupsPath'>): Result & { id: string } {
    const { id, cgroupsPath } = this.name(label);
    const bundle = this.bundle(id, { ...options, cgroupsPath });
    return { id, ...this.tcrun(['run', '--bundle', bundle, id]) };
  }

  state(id: string): Record<string, unknown> & { status: string; pid: number; id: string } {
    const result = this.tcrun(['state', id]);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout);
  }

  /** Deletes what a test left and removes the directory. */
  cleanup(): void {
    if (existsSync(this.root)) {
      for (const id of readdirSync(this.root)) this.tcrun(['delete', '--force', id]);
    }
    rmSync(this.dir, { recursive: true, force: true });
    // The shared parent of every test cgroup goes when the last run using it is done
    // (rmdir fails while another run still has a container in it; crun never removes parents).
    for (const mount of cgroupMounts()) {
      try {
        rmdirSync(join(mount, 'tcrun-test'));
      } catch {}
    }
  }
}

export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Asserts that nothing of a deleted container remains: process, monitor, mounts, cgroups, state. */
export function expectNoLeaks(sandbox: Sandbox, id: string, pids: number[] = []): void {
  for (const pid of pids) expect(processAlive(pid), `process ${pid} still alive`).toBe(false);
  expect(existsSync(join(sandbox.root, id)), 'state dir').toBe(false);
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  expect(mountinfo.includes(id), 'mount of the container').toBe(false);
  for (const mount of cgroupMounts()) {
    expect(existsSync(join(mount, 'tcrun-test', id)), `cgroup in ${mount}`).toBe(false);
  }
}

export function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePromise, reject) => {
    const tick = () => {
      if (predicate()) return resolvePromise();
      if (Date.now() > deadline) return reject(new Error('timed out waiting'));
      setTimeout(tick, 20);
    };
    tick();
  });
}
