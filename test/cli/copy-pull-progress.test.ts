import { describe, expect, it } from 'vitest';
import { copyTarget, parseCopyEndpoint } from '../../src/cli/container-copy.js';
import { pullDecision, servicePullPolicy, splitImage } from '../../src/cli/image-pull.js';
import {
  progressLabel,
  progressPrinter,
  resolveProgressMode,
} from '../../src/cli/progress-printer.js';
import {
  archiveBaseName,
  goFileMode,
  isGoDirectory,
  isGoSymlink,
} from '../../src/engine/containers/archive.js';

describe('cp arguments', () => {
  it('tells container paths from local ones as docker compose does', () => {
    expect(parseCopyEndpoint('web:/etc/hosts')).toEqual({ service: 'web', path: '/etc/hosts' });
    expect(parseCopyEndpoint('web:')).toEqual({ service: 'web', path: '/' });
    expect(parseCopyEndpoint('/tmp/a:b')).toEqual({ path: '/tmp/a:b' });
    expect(parseCopyEndpoint('./x:y')).toEqual({ path: './x:y' });
    expect(parseCopyEndpoint('-')).toEqual({ path: '-' });
    expect(parseCopyEndpoint('notes.txt')).toEqual({ path: 'notes.txt' });
  });

  it('places the copy as docker cp does', () => {
    const file = { path: '/etc/passwd', isDirectory: false };
    const dir = { path: '/srv/site', isDirectory: true };
    const contents = { path: '/srv/site/.', isDirectory: true };
    const existingDir = { path: '/out', exists: true, isDirectory: true };
    const existingFile = { path: '/out/f', exists: true, isDirectory: false };
    const fresh = { path: '/out/new', exists: false, isDirectory: false };
    expect(copyTarget(file, existingDir)).toEqual({ directory: '/out', name: 'passwd' });
    expect(copyTarget(dir, existingDir)).toEqual({ directory: '/out', name: 'site' });
    expect(copyTarget(contents, existingDir)).toEqual({ directory: '/out', name: '.' });
    expect(copyTarget(file, existingFile)).toEqual({ directory: '/out', name: 'f' });
    expect(copyTarget(dir, fresh)).toEqual({ directory: '/out', name: 'new' });
    expect(copyTarget(contents, fresh)).toEqual({ directory: '/out', name: 'new' });
    expect(() => copyTarget(dir, existingFile)).toThrow('cannot copy a directory to a file');
    expect(() => copyTarget(file, { ...fresh, path: '/out/new/' })).toThrow(
      'destination directory /out/new/ does not exist',
    );
  });

  it('names archives and file modes as the Docker API does', () => {
    expect(archiveBaseName('/etc/passwd')).toBe('passwd');
    expect(archiveBaseName('/etc/')).toBe('etc');
    expect(archiveBaseName('/etc/.')).toBe('.');
    expect(archiveBaseName('/')).toBe('');
    const directory = goFileMode({ mode: 0o040755 });
    expect(directory).toBe(2 ** 31 + 0o755);
    expect(isGoDirectory(directory)).toBe(true);
    const link = goFileMode({ mode: 0o120777 });
    expect(isGoSymlink(link)).toBe(true);
    expect(isGoDirectory(link)).toBe(false);
    expect(goFileMode({ mode: 0o104755 })).toBe(2 ** 23 + 0o755);
    expect(goFileMode({ mode: 0o020666 })).toBe(2 ** 26 + 2 ** 21 + 0o666);
  });
});

describe('pull policy', () => {
  it('pulls always, uses a present image, and refuses an absent one only with never', () => {
    expect(pullDecision('always', true)).toBe('pull');
    expect(pullDecision('missing', true)).toBe('use');
    expect(pullDecision('missing', false)).toBe('pull');
    expect(pullDecision('never', true)).toBe('use');
    expect(pullDecision('never', false)).toBe('absent');
    expect(servicePullPolicy({ name: 'a', pull_policy: 'if_not_present' })).toBe('missing');
    expect(servicePullPolicy({ name: 'a', pull_policy: 'never' })).toBe('never');
    expect(servicePullPolicy({ name: 'a' })).toBe('missing');
  });

  it('splits an image into the fromImage and tag the engine takes', () => {
    expect(splitImage('busybox')).toEqual({ name: 'busybox', tag: 'latest' });
    expect(splitImage('localhost:5000/app:1.2')).toEqual({
      name: 'localhost:5000/app',
      tag: '1.2',
    });
    expect(splitImage('localhost:5000/app')).toEqual({ name: 'localhost:5000/app', tag: 'latest' });
    expect(splitImage('app@sha256:abc')).toEqual({ name: 'app@sha256:abc' });
  });
});

describe('progress modes', () => {
  it('resolves auto by the terminal and labels dry-run steps', () => {
    expect(resolveProgressMode('auto', true)).toBe('tty');
    expect(resolveProgressMode('auto', false)).toBe('plain');
    expect(resolveProgressMode('json', true)).toBe('json');
    const event = { kind: 'Container' as const, name: 'p-web-1', status: 'Started', done: true };
    expect(progressLabel(event)).toBe('Container p-web-1  Started');
    expect(progressLabel({ ...event, dryRun: true })).toBe(
      'DRY-RUN MODE -  Container p-web-1  Started',
    );
  });

  it('prints plain lines, json objects, or nothing', () => {
    const event = { kind: 'Network' as const, name: 'p_default', status: 'Created', done: true };
    for (const [mode, expected] of [
      ['plain', ' Network p_default  Created\n'],
      ['json', `${JSON.stringify(event)}\n`],
      ['quiet', ''],
    ] as const) {
      let written = '';
      progressPrinter(mode, (text) => {
        written += text;
      })(event);
      expect(written).toBe(expected);
    }
  });
});
