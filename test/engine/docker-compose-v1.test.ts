import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';
import { type DockerResult, runDocker } from './support.js';

const testEngine = engineForFile();

/** Debian's docker-compose 1.29 (scripts/install-deps.sh installs it), pointed at the test engine. */
function dockerCompose(directory: string, args: string[]): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile(
      'docker-compose',
      args,
      { cwd: directory, env: testEngine().env, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

// docker-compose 1.29 wants a version key, and reads `depends_on` conditions from 2.x files.
const stack = `version: "2.4"
services:
  db:
    image: busybox
    command: ["httpd", "-f", "-p", "80"]
    init: true
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
    volumes: [data:/data]
  web:
    image: busybox
    command: ["sh", "-c", "until wget -qO /dev/null http://db/ 2>&1 | grep -q 404; do sleep 0.2; done; echo reached db; sleep 1000"]
    init: true
    depends_on:
      db:
        condition: service_healthy
volumes:
  data: {}
`;

describe('docker-compose 1.29 driving the engine', () => {
  it('brings a stack up in dependency order, leaves it as it is the second time, and takes it down', async () => {
    const directory = mkdtempSync(join(testEngine().root, 'compose-v1-'));
    writeFileSync(join(directory, 'docker-compose.yml'), stack);
    const project = `v1${randomBytes(4).toString('hex')}`;
    const compose = (...args: string[]) => dockerCompose(directory, ['-p', project, ...args]);

    const up = await compose('up', '-d');
    expect({ code: up.code, stderr: up.stderr }).toMatchObject({ code: 0 });
    expect(up.stderr).toContain(`Creating ${project}_web_1 ... done`);

    const again = await compose('up', '-d');
    expect(again.stderr).toContain(`${project}_db_1 is up-to-date`);
    expect(again.stderr).toContain(`${project}_web_1 is up-to-date`);

    // web found db by name on the project network.
    let logs = '';
    for (let tries = 0; tries < 50 && !logs.includes('reached db'); tries++) {
      logs = (await compose('logs', '--no-color', 'web')).stdout;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(logs).toContain('reached db');

    const down = await compose('down', '-v');
    expect(down.code).toBe(0);
    const left = await runDocker(testEngine(), [
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=${project}`,
    ]);
    expect(left.stdout.trim()).toBe('');
    const networks = await runDocker(testEngine(), [
      'network',
      'ls',
      '-q',
      '--filter',
      `name=${project}`,
    ]);
    expect(networks.stdout.trim()).toBe('');
    const volumes = await runDocker(testEngine(), [
      'volume',
      'ls',
      '-q',
      '--filter',
      `name=${project}`,
    ]);
    expect(volumes.stdout.trim()).toBe('');
  });
});
