import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';
import { type DockerResult, dockerOk, runDocker } from './support.js';

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
  it('brings a stack up in dependency order, leaves it as it is, recreates and scales it, and takes it down', async () => {
    const directory = mkdtempSync(join(testEngine().root, 'compose-v1-'));
    writeFileSync(join(directory, 'docker-compose.yml'), stack);
    const project = `v1${randomBytes(4).toString('hex')}`;
    const compose = (...args: string[]) => dockerCompose(directory, ['-p', project, ...args]);

    const up = await compose('up', '-d');
    expect({ code: up.code, stderr: up.stderr }).toMatchObject({ code: 0 });
    expect(up.stderr).toContain(`Creating ${project}_web_1 ... done`);

    // web found db by name on the project network.
    let logs = '';
    for (let tries = 0; tries < 50 && !logs.includes('reached db'); tries++) {
      logs = (await compose('logs', '--no-color', 'web')).stdout;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(logs).toContain('reached db');

    const again = await compose('up', '-d');
    expect(again.stderr).toContain(`${project}_db_1 is up-to-date`);
    expect(again.stderr).toContain(`${project}_web_1 is up-to-date`);

    // Recreating reads the image's ContainerConfig, which Docker dropped from API 1.45 on.
    const recreate = await compose('up', '-d', '--force-recreate', '--scale', 'web=2');
    expect({ code: recreate.code, stderr: recreate.stderr }).toMatchObject({ code: 0 });
    expect(recreate.stderr).toMatch(new RegExp(`Recreating ${project}_db_1 +\\.\\.\\. done`));
    expect(recreate.stderr).toMatch(new RegExp(`Creating ${project}_web_2 +\\.\\.\\. done`));

    const running = await runDocker(testEngine(), [
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
    ]);
    expect(running.stdout.trim().split('\n')).toHaveLength(3);

    const down = await compose('down', '-v');
    expect(down.code).toBe(0);
    // Nothing of the project is left: containers, networks, volumes.
    const listed = async (command: string[], filter: string) =>
      (await dockerOk(testEngine(), [...command, '-q', '--filter', filter])).trim();
    expect(await listed(['ps', '-a'], `label=com.docker.compose.project=${project}`)).toBe('');
    expect(await listed(['network', 'ls'], `name=${project}`)).toBe('');
    expect(await listed(['volume', 'ls'], `name=${project}`)).toBe('');
  }, 120_000);
});
