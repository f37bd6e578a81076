import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const CLI = resolve('dist/cli/main.cjs');
const FIXTURES = resolve('test/compose/fixtures/project');
const SHOP = join(FIXTURES, 'shop');
const INVALID = join(FIXTURES, 'invalid');
const scratch = mkdtempSync(join(tmpdir(), 'tcompose-config-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the built CLI with a clean environment, so the host's COMPOSE_* never leak in. */
function tcompose(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: scratch,
    env: { PATH: process.env.PATH ?? '', HOME: '/home/tester', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tcompose config on the shop stack', () => {
  it('prints the canonical model as compose does', () => {
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), 'config']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.replaceAll(SHOP, '<shop>')).toMatchSnapshot();
  });

  it('prints json with the same content', () => {
    const yaml = parse(tcompose(['-f', join(SHOP, 'compose.yaml'), 'config']).stdout);
    const json = tcompose(['-f', join(SHOP, 'compose.yaml'), 'config', '--format', 'json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(yaml);
  });

  it('puts name first, then services, networks, volumes, secrets', () => {
    const keys = Object.keys(parse(tcompose(['-f', join(SHOP, 'compose.yaml'), 'config']).stdout));
    expect(keys).toEqual(['name', 'services', 'networks', 'volumes', 'secrets', 'x-common']);
  });

  it.each([
    [['--services'], 'api\ncache\ndb\nweb\n'],
    [['--profile', 'jobs', 'config', '--services'], 'api\ncache\ndb\nweb\nworker\n'],
    [['--volumes'], 'db-data\nstatic\n'],
    [['--networks'], 'back\nfront\n'],
    [['--profiles'], 'jobs\n'],
    [['--images'], 'redis:7\npostgres:16\nnginx:1.27-alpine\n'],
    [['-q'], ''],
    [['web', '--services'], 'api\ncache\ndb\nweb\n'],
    [['db', '--services'], 'db\n'],
  ])('%j', (args, output) => {
    const full = args[0] === '--profile' ? args : ['config', ...args];
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), ...full]);
    expect(result.stderr).toBe('');
    expect(result.stdout.replace(/^shop-api\n/, '')).toBe(output);
  });

  it('names the image of a service that only builds', () => {
    expect(tcompose(['-f', join(SHOP, 'compose.yaml'), 'config', '--images']).stdout).toMatch(
      /^shop-api\n/,
    );
  });

  it('writes to --output', () => {
    const out = join(scratch, 'out.yaml');
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), 'config', '-o', out]);
    expect(result.stdout).toBe('');
    expect(parse(readFileSync(out, 'utf8')).name).toBe('shop');
  });

  it('keeps variables with --no-interpolate', () => {
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), 'config', '--no-interpolate']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose variable syntax, not a template
    expect(parse(result.stdout).services.web.image).toBe('nginx:${NGINX_VERSION:-1.27}');
  });

  it('takes -p over the top-level name', () => {
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), '-p', 'other', 'config']);
    const config = parse(result.stdout);
    expect(config.name).toBe('other');
    expect(config.volumes.static.name).toBe('other_static');
  });

  it('ends quietly when the reader goes away early', () => {
    // Far more output than a pipe buffers, so writes fail once head has exited.
    const big = join(scratch, 'big.yaml');
    const services = Array.from(
      { length: 400 },
      (_, i) =>
        `  s${i}:\n    image: busybox\n    environment: [${Array.from({ length: 20 }, (_, j) => `V${j}=${i}`).join(', ')}]`,
    );
    writeFileSync(big, `services:\n${services.join('\n')}\n`);
    const result = spawnSync(
      'sh',
      ['-c', `"${process.execPath}" "${CLI}" -f "${big}" config | head -1`],
      {
        encoding: 'utf8',
        cwd: scratch,
        env: { PATH: process.env.PATH ?? '', HOME: '/home/tester' },
      },
    );
    expect(result.stdout).toBe(
      `name: ${scratch
        .split('/')
        .pop()
        ?.toLowerCase()
        .replace(/[^a-z0-9_-]/g, '')}\n`,
    );
    expect(result.stderr).toBe('');
  });

  it('prints start levels with up --dry-run', () => {
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), 'up', '--dry-run']);
    expect(result.stdout).toBe('level 1: cache, db\nlevel 2: api\nlevel 3: web\n');
    expect(result.status).toBe(0);
  });

  it('limits up --dry-run to the named services and their dependencies', () => {
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), 'up', '--dry-run', 'worker']);
    expect(result.stdout).toBe('level 1: db\nlevel 2: worker\n');
  });
});

describe('tcompose config on invalid files', () => {
  it.each([
    [
      'published-port-out-of-range',
      '6:9',
      'services.web.ports[1]: invalid published port "99999" (must be 0-65535)',
    ],
    [
      'port-protocol',
      '5:9',
      'services.web.ports[0]: invalid protocol "icmp" (must be tcp, udp or sctp)',
    ],
    [
      'port-host-ip',
      '6:18',
      'services.web.ports[0].host_ip: invalid host IP "127.0.0.256" (must be an IPv4 or IPv6 address)',
    ],
    [
      'port-ranges-differ',
      '4:13',
      'services.web.ports[0]: port ranges "9090-9092" and "8080-8081" differ in size (host and container ranges must have the same length)',
    ],
    [
      'depends-on-unknown',
      '5:9',
      `services.web.depends_on[0]: service "web" depends on undefined service "dbb" (did you mean 'db'?)`,
    ],
    [
      'depends-on-unknown-long',
      '5:7',
      `services.web.depends_on.cahce: service "web" depends on undefined service "cahce" (did you mean 'cache'?)`,
    ],
    [
      'links-unknown',
      '6:9',
      `services.web.links[1]: service "web" links to undefined service "rdis" (did you mean 'redis'?)`,
    ],
    [
      'network-mode-unknown',
      '6:19',
      `services.app.network_mode: service "app" shares the network of undefined service "vnp" (did you mean 'vpn'?)`,
    ],
    [
      'volumes-from-unknown',
      '7:9',
      `services.app.volumes_from[0]: service "app" takes volumes from undefined service "dta" (did you mean 'data'?)`,
    ],
    [
      'network-undefined',
      '6:9',
      `services.web.networks[1]: service "web" uses undefined network "bakend" (did you mean 'backend'?)`,
    ],
    [
      'volume-undefined',
      '6:9',
      `services.db.volumes[1]: service "db" mounts undefined volume "db-dta" (did you mean 'db-data'?)`,
    ],
    [
      'secret-undefined',
      '5:9',
      `services.db.secrets[0]: service "db" uses undefined secret "db_pasword" (did you mean 'db_password'?)`,
    ],
    [
      'config-undefined',
      '5:9',
      'services.web.configs[0]: service "web" uses undefined config "site" (declare it under the top-level configs)',
    ],
    [
      'container-name-scale',
      '4:21',
      'services.worker.container_name: container_name "the-worker" cannot be used with scale 3 (container names are unique: drop container_name or scale to 1)',
    ],
    [
      'no-image-no-build',
      '2:3',
      'services.web: service "web" has neither an image nor a build context (set image: or build:)',
    ],
    [
      'network-mode-and-networks',
      '5:5',
      'services.web.networks: service "web" sets both network_mode and networks (a service with network_mode cannot join networks)',
    ],
    [
      'ipv4-address',
      '6:23',
      'services.web.networks.front.ipv4_address: invalid IPv4 address "172.16.238.300" (must be an IPv4 address)',
    ],
    [
      'dependency-cycle',
      '4:18',
      'services.a.depends_on[0]: dependency cycle between services: a -> b -> c -> a (break it by removing one of these dependencies)',
    ],
    [
      'profile-disabled-dependency',
      '10:9',
      'services.zot.depends_on[0]: service "zot" depends on service "bar", which its profiles disable (enable one of its profiles: test)',
    ],
    [
      'command-unterminated-quote',
      '4:14',
      'services.web.command: cannot split command: unterminated single quote',
    ],
    [
      'bad-duration',
      '6:17',
      'services.web.healthcheck.interval: invalid duration "10 seconds" (use e.g. 10s, 1m30s, 500ms)',
    ],
    [
      'bad-byte-size',
      '4:16',
      'services.web.mem_limit: invalid byte size "512 megabytes" (use e.g. 512m, 1gb, 2048k)',
    ],
    [
      'env-file-missing',
      '5:9',
      `services.web.env_file[0]: env file ${join(INVALID, 'missing.env')} not found`,
    ],
    [
      'invalid-volume-option',
      '5:9',
      'services.web.volumes[0]: invalid volume option "rx" (use ro, rw, z, Z, nocopy or a bind propagation mode)',
    ],
  ])('%s', (name, lineColumn, message) => {
    const file = join(INVALID, `${name}.yaml`);
    const result = tcompose(['-f', file, '--profile', 'debug', 'config']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${file}:${lineColumn}: ${message}\n`);
  });

  it('rejects an invalid -p with one line', () => {
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), '-p', 'Bad Name', 'config']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'invalid project name "Bad Name" (must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit)\n',
    );
  });

  it('rejects an unknown service on the command line', () => {
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), 'config', 'wbe']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("no such service: wbe (did you mean 'web'?)\n");
  });

  it('rejects an unknown --format', () => {
    const result = tcompose(['-f', join(SHOP, 'compose.yaml'), 'config', '--format', 'toml']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('unsupported format "toml": use yaml or json\n');
  });
});

describe('the config bundle', () => {
  it('starts from the code cache the build stored, under the flags it runs with', () => {
    const script = `
      const { loadConfigCli } = await import(${JSON.stringify(resolve('dist/cli/config-cli-loader.js'))});
      const cli = await loadConfigCli();
      process.stdout.write(String(cli.codeCacheRejected));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('false');
  });
});
