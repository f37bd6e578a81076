import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineForFile, TestProject } from '../orchestrator/support.js';

const testEngine = engineForFile();

const compose = `
services:
  web:
    build:
      context: ./site
      args: { MESSAGE: built by tcompose }
      labels: { com.example.role: web }
    network_mode: none
    init: true
  tool:
    image: inline-tool:1
    network_mode: none
    build:
      context: ./site
      dockerfile_inline: |
        FROM busybox
        COPY page.txt /page.txt
        CMD ["cat", "/page.txt"]
`;

const dockerfile = [
  'FROM busybox',
  'ARG MESSAGE=default',
  'RUN mkdir /www && echo "$MESSAGE" > /www/index.html',
  'COPY page.txt /www/',
  'CMD ["httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/www"]',
  '',
].join('\n');

function site(project: TestProject, files: Record<string, string>): void {
  mkdirSync(join(project.directory, 'site'), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(project.directory, 'site', name), text);
  }
}

const imageLabels = async (name: string) =>
  (
    await testEngine().client.request<{ Config: { Labels: Record<string, string> } }>(
      'GET',
      `/images/${name}/json`,
    )
  ).Config.Labels;

describe('compose services with build:', () => {
  it('builds with up --build and serves the file the Dockerfile made', async () => {
    const project = new TestProject(testEngine(), 'buildweb', compose);
    site(project, { Dockerfile: dockerfile, 'page.txt': 'a copied page\n' });
    const up = await project.run('up', '-d', '--build', 'web');
    expect(up.stderr).toContain('Building web');
    expect(up).toMatchObject({ code: 0 });
    expect(await imageLabels('buildweb-web')).toMatchObject({ 'com.example.role': 'web' });
    const fetch = (path: string) =>
      project.run('exec', '-T', 'web', 'wget', '-qO-', `http://127.0.0.1:8080/${path}`);
    expect((await fetch('index.html')).stdout).toBe('built by tcompose\n');
    expect((await fetch('page.txt')).stdout).toBe('a copied page\n');

    const again = await project.run('up', '-d', 'web');
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('Building web');

    const rebuilt = await project.run('build', 'web');
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).toContain('Using cache');
    expect(rebuilt.stderr).not.toContain('Running in');

    const before = await project.containers();
    const unchanged = await project.run('up', '-d', '--build', 'web');
    expect(unchanged.code).toBe(0);
    expect(await project.containers()).toEqual(before);
    site(project, { 'page.txt': 'an edited page\n' });
    const changed = await project.run('up', '-d', '--build', 'web');
    expect(changed.stderr).toContain('Recreated');
    expect((await project.containers())['buildweb-web-1']?.id).not.toBe(
      before['buildweb-web-1']?.id,
    );
    expect((await fetch('page.txt')).stdout).toBe('an edited page\n');
    expect((await project.run('down')).code).toBe(0);
  });

  it('builds an inline Dockerfile under the image name, and only what is missing at up', async () => {
    const project = new TestProject(testEngine(), 'buildtool', compose);
    site(project, { Dockerfile: dockerfile, 'page.txt': 'inline page\n' });
    const built = await project.run('build', '-q', 'tool');
    expect(built).toMatchObject({ code: 0, stderr: '' });
    const run = await project.run('run', '--rm', '-T', 'tool');
    expect(run.stdout).toBe('inline page\n');
    const up = await project.run('up', '-d', '--no-build', 'tool');
    expect(up.stderr).not.toContain('Building');
    expect((await project.run('down')).code).toBe(0);
  });

  it('reports a failing build with the service and the Dockerfile line, creating nothing', async () => {
    const project = new TestProject(testEngine(), 'buildfail', compose);
    site(project, { Dockerfile: 'FROM busybox\nRUN echo no && false\n', 'page.txt': '' });
    const up = await project.run('up', '-d', 'web');
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(
      "services.web.build: failed to build: Dockerfile:2: The command '/bin/sh -c echo no && false' returned a non-zero code: 1",
    );
    expect(await project.containers()).toEqual({});
  });
});
