import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  repo,
  startEngineWithBusybox,
  stopTestEngine,
  type TestEngine,
} from '../engine/support.js';

const execFileAsync = promisify(execFile);
const cli = join(repo, 'dist/cli/main.cjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A compose project in a directory of its own, driven by the built CLI against a test engine. */
export class TestProject {
  readonly directory: string;

  constructor(
    readonly engine: TestEngine,
    readonly name: string,
    yaml: string,
  ) {
    this.directory = mkdtempSync(join(engine.root, `${name}-`));
    this.write(yaml);
  }

  write(yaml: string): void {
    writeFileSync(join(this.directory, 'compose.yaml'), yaml);
  }

  private argv(args: string[]): string[] {
    return [cli, '-p', this.name, '--progress', 'plain', ...args];
  }

  async run(...args: string[]): Promise<CliResult> {
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, this.argv(args), {
        cwd: this.directory,
        env: this.engine.env,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  /** A long-running command (up in the foreground, logs -f) whose output the test reads. */
  spawn(...args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number> } {
    const child = spawn(process.execPath, this.argv(args), {
      cwd: this.directory,
      env: this.engine.env,
    });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    return { child, output: () => output, exited };
  }

  /** The project's containers as the engine lists them: name → state and config hash. */
  async containers(): Promise<Record<string, { id: string; state: string }>> {
    const listed = await this.engine.client.request<
      { Id: string; Names: string[]; State: string }[]
    >('GET', '/containers/json', {
      query: { all: 1, filters: { label: [`com.docker.compose.project=${this.name}`] } },
    });
    return Object.fromEntries(
      listed.map((c) => [c.Names[0].slice(1), { id: c.Id, state: c.State }]),
    );
  }
}

/** Resolves once `predicate` holds, polling; rejects after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The busybox-loaded engine of a test file: started before its tests, and after them
 * stopped and checked for leftover processes, mounts and cgroups.
 */
export function engineForFile(): () => TestEngine {
  let engine: TestEngine | undefined;
  beforeAll(async () => {
    engine = await startEngineWithBusybox();
  });
  afterAll(async () => {
    if (!engine) return;
    const leaks = await stopTestEngine(engine);
    expect(leaks).toEqual({ processes: [], mounts: [], cgroups: [], bridges: [] });
  });
  return () => {
    if (!engine) throw new Error('the test engine is not started yet');
    return engine;
  };
}

/** Two long-running services without networking, web depending on db, db with a named volume. */
export const dbAndWeb = `
services:
  db:
    image: busybox
    network_mode: none
    init: true
    command: sleep 600
    volumes: [data:/data]
  web:
    image: busybox
    network_mode: none
    init: true
    command: sleep 600
    depends_on: [db]
volumes:
  data: {}
`;
