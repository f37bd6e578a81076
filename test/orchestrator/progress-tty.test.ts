import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { repo } from '../engine/support.js';
import { dbAndWeb, engineForFile, TestProject } from './support.js';

const execFileAsync = promisify(execFile);
const cli = join(repo, 'dist/cli/main.cjs');
const testEngine = engineForFile();
let project: TestProject;

beforeAll(() => {
  project = new TestProject(testEngine(), 'ttyprog', dbAndWeb);
});

const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** Runs the CLI under a pseudo-terminal (util-linux `script`), as a user at a terminal would. */
async function inTerminal(args: string[], env: NodeJS.ProcessEnv = {}) {
  const line = [process.execPath, cli, '-p', project.name, ...args].map(shellQuote).join(' ');
  // A pseudo-terminal made without a parent terminal is 0 columns wide: give it a size.
  const { stdout } = await execFileAsync(
    'script',
    ['-qec', `stty cols 120 rows 40; ${line}`, '/dev/null'],
    {
      cwd: project.directory,
      env: { ...testEngine().env, TERM: 'xterm-256color', ...env },
    },
  );
  return stdout;
}

const ESC = String.fromCharCode(27);
// Colours and styles (SGR) inside a line, and the other CSI sequences (cursor moves,
// erases) and carriage returns between lines.
const style = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');
const ansi = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|\\r`, 'g');
/** A colour (foreground) escape: what NO_COLOR must leave out. */
const colour = new RegExp(`${ESC}\\[(3|9)\\dm`);
const greenTick = `${ESC}[32m✔`;
/** The text of every rendered frame, escape sequences dropped, one entry per line. */
const renderedLines = (output: string) =>
  output
    .replace(style, '')
    .replace(ansi, '\n')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

describe('progress in a terminal', () => {
  it('renders one line per resource with its state and time, then plain lines without a terminal', async () => {
    const up = await inTerminal(['up', '-d'], { NO_COLOR: '1' });
    const lines = renderedLines(up);
    expect(lines).toContainEqual(
      expect.stringMatching(/^✔ Volume ttyprog_data {2}Created {2}\d+\.\ds$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^✔ Container ttyprog-db-1 {2}Started {2}\d+\.\ds$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^✔ Container ttyprog-web-1 {2}Started {2}\d+\.\ds$/),
    );
    expect(up).not.toMatch(colour);
    expect(Object.keys(await project.containers()).sort()).toEqual([
      'ttyprog-db-1',
      'ttyprog-web-1',
    ]);

    // --progress auto without a terminal: the plain lines.
    const plain = await execFileAsync(
      process.execPath,
      [cli, '-p', project.name, '--progress', 'auto', 'restart', 'web'],
      { cwd: project.directory, env: testEngine().env },
    );
    expect(plain.stderr).toBe(
      ' Container ttyprog-web-1  Restarting\n Container ttyprog-web-1  Started\n',
    );
  });

  it('colours the terminal output unless NO_COLOR is set, and renders down the same way', async () => {
    const stop = await inTerminal(['--progress', 'tty', 'stop', '-t', '0']);
    expect(stop).toContain(greenTick);
    expect(renderedLines(stop)).toContainEqual(
      expect.stringMatching(/^✔ Container ttyprog-web-1 {2}Stopped {2}\d+\.\ds$/),
    );

    const down = await inTerminal(['down', '-v'], { NO_COLOR: '1' });
    const lines = renderedLines(down);
    for (const expected of [
      /^✔ Container ttyprog-web-1 {2}Removed {2}\d+\.\ds$/,
      /^✔ Container ttyprog-db-1 {2}Removed {2}\d+\.\ds$/,
      /^✔ Volume ttyprog_data {2}Removed {2}\d+\.\ds$/,
    ]) {
      expect(lines).toContainEqual(expect.stringMatching(expected));
    }
    expect(down).not.toMatch(colour);
    expect(await project.containers()).toEqual({});
  });

  it('marks a failed step and exits 1', async () => {
    project.write(`
services:
  web:
    image: not-loaded-here:1.0
    network_mode: none
    pull_policy: never
`);
    const failed = await inTerminal(['up', '-d'], { NO_COLOR: '1' }).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(typeof failed).toBe('object');
    const { code, stdout } = failed as { code: number; stdout: string };
    expect(code).toBe(1);
    expect(stdout).toContain(
      'service "web" uses image "not-loaded-here:1.0", which is not present locally',
    );
  });
});
