import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OciConfig } from '../support/oci-bundle.js';
import { expectNoLeaks, Sandbox } from './harness.js';

const sandbox = new Sandbox();
afterAll(() => sandbox.cleanup());

/** Docker's 14 default capabilities as the kernel prints them in /proc/PID/status. */
const DOCKER_CAPS_MASK = '00000000a80425fb';

function sh(script: string): string[] {
  return ['sh', '-c', script];
}

/** Mount point -> { type, options } as the container sees them in /proc/self/mountinfo. */
function parseMountinfo(text: string) {
  const mounts = new Map<string, { type: string; options: string; optional: string }>();
  for (const line of text.trim().split('\n')) {
    const [left, right] = line.split(' - ') as [string, string];
    const fields = left.split(' ');
    const [type, , superOptions] = right.split(' ') as [string, string, string];
    mounts.set(fields[4] as string, {
      type,
      options: `${fields[5]},${superOptions}`,
      optional: fields.slice(6).join(' '),
    });
  }
  return mounts;
}

describe('process', () => {
  it('runs args with env, cwd, user, groups, umask, rlimits and oomScoreAdj from config.json', () => {
    const result = sandbox.run('process', {
      args: sh(
        'id; umask; ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj; pwd; echo "$GREETING"; hostname; cat /proc/sys/kernel/domainname',
      ),
      env: ['PATH=/bin:/usr/bin', 'GREETING=hello world'],
      hostname: 'web-1',
      edit: (config: OciConfig) => {
        config.process.user = { uid: 1000, gid: 1001, additionalGids: [10, 20], umask: 0o027 };
        config.process.cwd = '/tmp';
        config.process.oomScoreAdj = 500;
        config.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 900 }];
        config.domainname = 'example.test';
      },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'uid=1000 gid=1001 groups=10,20',
      '0027',
      '512',
      '900',
      '500',
      '/tmp',
      'hello world',
      'web-1',
      'example.test',
      '',
    ]);
  });

  it('passes the exit status through and resolves args[0] in the container PATH', () => {
    const result = sandbox.run('exit', {
      args: ['env', 'sh', '-c', 'echo out; echo err >&2; exit 42'],
      env: ['PATH=/usr/bin:/bin'],
    });
    expect(result).toMatchObject({ code: 42, stdout: 'out\n', stderr: 'err\n' });
  });

  it('clamps rlimits above the caller hard limit instead of failing', () => {
    const hard = Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim());
    const result = sandbox.run('rlimit', {
      args: sh('ulimit -Hn'),
      edit: (config: OciConfig) => {
        config.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }];
      },
    });
    expect(result.stderr).toBe('');
    expect(Number(result.stdout.trim())).toBe(hard);
  });

  it("has Docker's default capabilities in every set and no_new_privs", () => {
    const result = sandbox.run('caps', {
      args: sh('grep -E "^(Cap|NoNewPrivs)" /proc/self/status'),
    });
    expect(result.stdout).toBe(
      [
        `CapInh:\t${DOCKER_CAPS_MASK}`,
        `CapPrm:\t${DOCKER_CAPS_MASK}`,
        `CapEff:\t${DOCKER_CAPS_MASK}`,
        `CapBnd:\t${DOCKER_CAPS_MASK}`,
        'CapAmb:\t0000000000000000',
        'NoNewPrivs:\t1',
        '',
      ].join('\n'),
    );
    const denied = sandbox.run('caps-denied', { args: sh('hostname other 2>&1; echo $?') });
    expect(denied.stdout).toMatch(/not permitted[\s\S]*\n1\n$/);
  });

  it('gives a non-root user its ambient capabilities', () => {
    const result = sandbox.run('ambient', {
      args: sh('grep -E "^Cap(Eff|Amb)" /proc/self/status'),
      edit: (config: OciConfig) => {
        config.process.user = { uid: 1000, gid: 1000 };
        const caps = ['CAP_NET_BIND_SERVICE'];
        config.process.capabilities = {
          bounding: caps,
          effective: caps,
          permitted: caps,
          inheritable: caps,
          ambient: caps,
        };
      },
    });
    expect(result.stdout).toBe('CapEff:\t0000000000000400\nCapAmb:\t0000000000000400\n');
  });
});

describe('config.json reader', () => {
  it('decodes string escapes and surrogate pairs as JSON says', () => {
    const { id, cgroupsPath } = sandbox.name('json');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['sh', '-c', 'echo "$TEXT"'] });
    const path = join(bundle, 'config.json');
    const config = JSON.parse(readFileSync(path, 'utf8'));
    config.process.env = ['PATH=/bin', 'TEXT=PLACEHOLDER'];
    config.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }];
    config.linux.resources.memory = { limit: 1e9 };
    const escaped = 'caf\\u00e9 \\ud83d\\ude00 tab\\there \\"quoted\\" \\/ \\\\';
    writeFileSync(path, JSON.stringify(config).replace('PLACEHOLDER', escaped));
    const result = sandbox.tcrun(['run', '--bundle', bundle, id]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('café 😀 tab\there "quoted" / \\\n');
  });
});

describe('namespaces', () => {
  const kinds = ['pid', 'net', 'ipc', 'uts', 'mnt', 'cgroup'];

  it('gets a new namespace of every configured kind and is PID 1', () => {
    const result = sandbox.run('ns', {
      args: sh(`echo $$; for ns in ${kinds.join(' ')}; do readlink /proc/self/ns/$ns; done`),
    });
    const [pid, ...links] = result.stdout.trim().split('\n');
    expect(pid).toBe('1');
    kinds.forEach((kind, index) => {
      expect(links[index]).toMatch(new RegExp(`^${kind}:\\[\\d+\\]$`));
      expect(links[index]).not.toBe(readlinkSync(`/proc/self/ns/${kind}`));
    });
  });

  it('joins a network namespace given by path', () => {
    const nsFile = sandbox.path('netns');
    writeFileSync(nsFile, '');
    execFileSync('unshare', [`--net=${nsFile}`, 'true']);
    try {
      const inode = execFileSync('stat', ['-L', '-c', '%i', nsFile], { encoding: 'utf8' }).trim();
      const result = sandbox.run('netns', {
        args: sh('readlink /proc/self/ns/net'),
        edit: (config: OciConfig) => {
          config.linux.namespaces = config.linux.namespaces.map((ns: { type: string }) =>
            ns.type === 'network' ? { type: 'network', path: nsFile } : ns,
          );
        },
      });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe(`net:[${inode}]`);
    } finally {
      execFileSync('umount', [nsFile]);
    }
  });

  it('refuses a user namespace with a clear error', () => {
    const result = sandbox.run('userns', {
      args: ['true'],
      edit: (config: OciConfig) => {
        config.linux.namespaces.push({ type: 'user' });
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^tcrun: run userns-\S+: bundle .*: config\.json: linux\.namespaces: user namespaces are not supported by tcrun \(line \d+\)\n$/,
    );
  });
});

describe('filesystem', () => {
  it('pivots into a read-only root with the configured mounts, devices and links', () => {
    const result = sandbox.run('mounts', {
      args: sh(
        'cat /proc/self/mountinfo; echo ===; for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo $d; done; for l in fd stdin stdout stderr ptmx core; do readlink /dev/$l; done',
      ),
    });
    expect(result.stderr).toBe('');
    const [mountinfo, devices] = result.stdout.split('===\n') as [string, string];
    const mounts = parseMountinfo(mountinfo);
    expect(mounts.get('/')?.options).toMatch(/^ro,/);
    expect(mounts.get('/proc')).toMatchObject({
      type: 'proc',
      options: expect.stringMatching(/nosuid,nodev,noexec/),
    });
    expect(mounts.get('/sys')).toMatchObject({
      type: 'sysfs',
      options: expect.stringMatching(/^ro,/),
    });
    expect(mounts.get('/dev')).toMatchObject({
      type: 'tmpfs',
      options: expect.stringContaining('mode=755'),
    });
    expect(mounts.get('/dev/pts')).toMatchObject({
      type: 'devpts',
      options: expect.stringContaining('ptmxmode=666'),
    });
    expect(mounts.get('/dev/shm')?.type).toBe('tmpfs');
    expect(mounts.get('/dev/mqueue')?.type).toBe('mqueue');
    expect(mounts.get('/sys/fs/cgroup')).toMatchObject({
      type: 'tmpfs',
      options: expect.stringMatching(/^ro,/),
    });
    expect(mounts.get('/sys/fs/cgroup/memory')?.type).toBe('cgroup');
    expect(mounts.get('/proc/sys')?.options).toMatch(/^ro,/);
    expect(mounts.get('/proc/timer_list')?.type).toBe('tmpfs'); // /dev/null of the container's /dev
    // pivot_root, not chroot: the host's mounts are gone, not merely out of reach.
    expect(mounts.size).toBeLessThan(40);
    expect([...mounts.keys()].some((point) => point.startsWith(sandbox.dir))).toBe(false);
    expect(devices.split('\n')).toEqual([
      'null',
      'zero',
      'full',
      'random',
      'urandom',
      'tty',
      '/proc/self/fd',
      '/proc/self/fd/0',
      '/proc/self/fd/1',
      '/proc/self/fd/2',
      'pts/ptmx',
      '/proc/kcore',
      '',
    ]);
  });

  it('refuses writes to the read-only root, readonlyPaths and maskedPaths', () => {
    const result = sandbox.run('ro', {
      args: sh(
        [
          'exec 2>&1',
          'touch /newfile',
          'echo 1 > /proc/sys/kernel/shm_rmid_forced',
          'wc -c < /proc/timer_list',
          'ls -A /sys/firmware | wc -l',
          'echo x > /sys/firmware/f',
          'echo ok > /tmp/writable && cat /tmp/writable',
        ].join('; '),
      ),
    });
    expect(result.stdout.split('\n')).toEqual([
      expect.stringMatching(/Read-only file system/),
      expect.stringMatching(/Read-only file system/),
      '0',
      '0',
      expect.stringMatching(/Read-only file system/),
      'ok',
      '',
    ]);
  });

  it('bind mounts host paths with ro, nosuid, nodev and noexec, and tmpfs with size and mode', () => {
    const data = sandbox.path('bind-data');
    const shared = sandbox.path('bind-shared');
    mkdirSync(data);
    mkdirSync(shared);
    writeFileSync(join(data, 'hello.txt'), 'from the host\n');
    writeFileSync(join(shared, 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
    const result = sandbox.run('binds', {
      args: sh(
        [
          'cat /data/hello.txt',
          'touch /data/x 2>&1',
          'echo written > /shared/out.txt',
          '/shared/run.sh 2>&1; echo "exec=$?"',
          'grep -E " /(data|shared|scratch|etc/hello) " /proc/self/mountinfo | cut -d" " -f5,6',
          'stat -c %a /scratch',
          'df -k /scratch | tail -1 | awk "{print \\$2}"',
          'cat /etc/hello',
        ].join('; '),
      ),
      edit: (config: OciConfig) => {
        config.mounts.push(
          { destination: '/data', type: 'bind', source: data, options: ['rbind', 'ro'] },
          {
            destination: '/shared',
            type: 'bind',
            source: shared,
            options: ['bind', 'nosuid', 'nodev', 'noexec'],
          },
          {
            destination: '/scratch',
            type: 'tmpfs',
            source: 'tmpfs',
            options: ['size=1m', 'mode=1777'],
          },
          {
            destination: '/etc/hello',
            type: 'bind',
            source: join(data, 'hello.txt'),
            options: ['bind', 'ro'],
          },
        );
      },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual([
      'from the host',
      expect.stringMatching(/Read-only file system/),
      expect.stringMatching(/Permission denied/),
      'exec=126',
      expect.stringMatching(/^\/data ro,/),
      expect.stringMatching(/^\/shared rw,nosuid,nodev,noexec/),
      expect.stringMatching(/^\/scratch rw/),
      expect.stringMatching(/^\/etc\/hello ro,/),
      '1777',
      '1024',
      'from the host',
      '',
    ]);
    expect(readFileSync(join(shared, 'out.txt'), 'utf8')).toBe('written\n');
  });

  it('follows absolute symlinks inside the rootfs and refuses destinations that escape it', () => {
    const outside = sandbox.path('outside');
    mkdirSync(outside);
    const symlinked = (label: string, link: string, destination: string) => {
      const { id, cgroupsPath } = sandbox.name(label);
      const bundle = sandbox.bundle(id, {
        cgroupsPath,
        args: ['sh', '-c', 'grep -c " /run/inner " /proc/self/mountinfo'],
        edit: (config: OciConfig) => {
          config.mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: [] });
        },
      });
      mkdirSync(join(bundle, 'rootfs/run'));
      mkdirSync(join(bundle, 'rootfs/var'));
      symlinkSync(link, join(bundle, 'rootfs/var/link'));
      return { id, bundle, result: sandbox.tcrun(['run', '--bundle', bundle, id]) };
    };
    // /var/link -> /run (absolute: the container's /run), as /var/run is in most images.
    const inside = symlinked('symlink-in', '/run', '/var/link/inner');
    expect(inside.result).toMatchObject({ code: 0, stdout: '1\n', stderr: '' });
    expect(readdirSync(join(inside.bundle, 'rootfs/run'))).toEqual(['inner']);
    const escaping = symlinked(
      'symlink-out',
      `../../../../../../../..${outside}`,
      '/var/link/inner',
    );
    expect(escaping.result.code).toBe(1);
    expect(escaping.result.stderr).toBe(
      `tcrun: run ${escaping.id}: mount destination /var/link/inner: escapes the rootfs (through '..' or a symlink)\n`,
    );
    expect(readdirSync(outside)).toEqual([]);
    expectNoLeaks(sandbox, escaping.id);
  });

  it('applies sysctl and rootfsPropagation', () => {
    const propagation = (value: string | undefined) =>
      sandbox.run('propagation', {
        args: sh('cat /proc/sys/kernel/shm_rmid_forced; awk \'$5 == "/"\' /proc/self/mountinfo'),
        edit: (config: OciConfig) => {
          config.linux.sysctl = { 'kernel.shm_rmid_forced': '1' };
          if (value) config.linux.rootfsPropagation = value;
        },
      }).stdout;
    // By default (rslave) nothing mounted in the container propagates back to the host.
    expect(propagation(undefined)).toMatch(/^1\n/);
    expect(propagation(undefined)).not.toMatch(/shared:/);
    expect(propagation('rprivate')).not.toMatch(/master:|shared:/);
    expect(propagation('rshared')).toMatch(/ shared:\d+/);
  });

  it('leaves no mount, cgroup or state behind after run', () => {
    const result = sandbox.run('leak', { args: ['true'] });
    expect(result.code).toBe(0);
    expectNoLeaks(sandbox, result.id);
  });
});
