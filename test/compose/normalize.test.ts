import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../src/compose/model.js';
import type { EnvFileReader } from '../../src/compose/normalize-service.js';
import { composeErrorText as errorText, normalizeDocument } from './project-helpers.js';

type Doc = Record<string, unknown>;

function normalize(
  document: Doc,
  environment: Record<string, string> = {},
  readEnvFile?: EnvFileReader,
) {
  return normalizeDocument(document, { environment, readEnvFile });
}

function web(fields: Doc, environment: Record<string, string> = {}): ServiceConfig {
  return normalize({ services: { web: { image: 'nginx', ...fields } } }, environment).services.web;
}

describe('ports', () => {
  it.each([
    ['3000', [{ mode: 'ingress', target: 3000, protocol: 'tcp' }]],
    [3000, [{ mode: 'ingress', target: 3000, protocol: 'tcp' }]],
    ['8080:80', [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }]],
    [
      '127.0.0.1:8080:80/udp',
      [{ mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: '8080', protocol: 'udp' }],
    ],
    ['127.0.0.1::80', [{ mode: 'ingress', host_ip: '127.0.0.1', target: 80, protocol: 'tcp' }]],
    [
      '3000-3002',
      [3000, 3001, 3002].map((target) => ({ mode: 'ingress', target, protocol: 'tcp' })),
    ],
    [
      '9090-9091:8080-8081',
      [
        { mode: 'ingress', target: 8080, published: '9090', protocol: 'tcp' },
        { mode: 'ingress', target: 8081, published: '9091', protocol: 'tcp' },
      ],
    ],
    ['8000-9000:80', [{ mode: 'ingress', target: 80, published: '8000-9000', protocol: 'tcp' }]],
    [
      '::1:6000:6000',
      [{ mode: 'ingress', host_ip: '::1', target: 6000, published: '6000', protocol: 'tcp' }],
    ],
    [
      '[::1]:6001:6001',
      [{ mode: 'ingress', host_ip: '::1', target: 6001, published: '6001', protocol: 'tcp' }],
    ],
    ['6060:6060/UDP', [{ mode: 'ingress', target: 6060, published: '6060', protocol: 'udp' }]],
    [
      { target: 80, published: 8080, host_ip: '127.0.0.1', name: 'web', app_protocol: 'http' },
      [
        {
          name: 'web',
          mode: 'ingress',
          host_ip: '127.0.0.1',
          target: 80,
          published: '8080',
          protocol: 'tcp',
          app_protocol: 'http',
        },
      ],
    ],
    [
      { target: 443, published: '8083-9000', protocol: 'tcp', mode: 'host' },
      [{ mode: 'host', target: 443, published: '8083-9000', protocol: 'tcp' }],
    ],
  ])('%j', (port, expected) => {
    expect(web({ ports: [port] }).ports).toEqual(expected);
  });

  it.each([
    ['99999:80', 'services.web.ports[0]: invalid published port "99999" (must be 0-65535)'],
    ['8080:70000', 'services.web.ports[0]: invalid container port "70000" (must be 0-65535)'],
    ['8080:80/icmp', 'services.web.ports[0]: invalid protocol "icmp" (must be tcp, udp or sctp)'],
    [
      '300.1.1.1:8080:80',
      'services.web.ports[0]: invalid host IP "300.1.1.1" (must be an IPv4 or IPv6 address)',
    ],
    [
      '9090-9092:8080-8081',
      'services.web.ports[0]: port ranges "9090-9092" and "8080-8081" differ in size (host and container ranges must have the same length)',
    ],
    [
      '8081-8080',
      'services.web.ports[0]: invalid container port range "8081-8080" (the end is below the start)',
    ],
    ['abc', 'services.web.ports[0]: invalid container port "abc" (must be 0-65535)'],
  ])('rejects %j', (port, message) => {
    expect(errorText(() => web({ ports: [port] }))).toBe(message);
  });
});

describe('volumes', () => {
  it.each([
    ['/data', { type: 'volume', target: '/data', volume: {} }],
    [
      'db-data:/var/lib/db',
      { type: 'volume', source: 'db-data', target: '/var/lib/db', volume: {} },
    ],
    [
      'db-data:/var/lib/db:ro,nocopy',
      {
        type: 'volume',
        source: 'db-data',
        target: '/var/lib/db',
        read_only: true,
        volume: { nocopy: true },
      },
    ],
    [
      './html:/usr/share/nginx/html',
      {
        type: 'bind',
        source: '/srv/demo/html',
        target: '/usr/share/nginx/html',
        bind: { create_host_path: true },
      },
    ],
    [
      '/etc/conf:/etc/conf:ro,z',
      {
        type: 'bind',
        source: '/etc/conf',
        target: '/etc/conf',
        read_only: true,
        bind: { create_host_path: true, selinux: 'z' },
      },
    ],
    [
      '../shared:/shared:rw,Z,rshared',
      {
        type: 'bind',
        source: '/srv/shared',
        target: '/shared',
        bind: { create_host_path: true, selinux: 'Z', propagation: 'rshared' },
      },
    ],
    [
      '~/cache:/cache',
      {
        type: 'bind',
        source: '/home/me/cache',
        target: '/cache',
        bind: { create_host_path: true },
      },
    ],
    [
      { type: 'bind', source: './src', target: '/src', read_only: false },
      { type: 'bind', source: '/srv/demo/src', target: '/src', bind: { create_host_path: true } },
    ],
    [
      { type: 'bind', source: '/x', target: '/x', bind: { create_host_path: false } },
      { type: 'bind', source: '/x', target: '/x', bind: { create_host_path: false } },
    ],
    [
      { type: 'volume', source: 'db', target: '/db', volume: { subpath: 'sub' } },
      { type: 'volume', source: 'db', target: '/db', volume: { subpath: 'sub' } },
    ],
    [
      { type: 'tmpfs', target: '/tmp', tmpfs: { size: '64m', mode: '1777' } },
      { type: 'tmpfs', target: '/tmp', tmpfs: { size: 67_108_864, mode: 0o1777 } },
    ],
  ])('%j', (volume, expected) => {
    const service = normalize(
      { services: { web: { image: 'nginx', volumes: [volume] } } },
      { HOME: '/home/me' },
    ).services.web;
    expect(service.volumes).toEqual([expected]);
  });

  it.each([
    [
      'a:b:c:d',
      'services.web.volumes[0]: invalid volume "a:b:c:d" (expected [SOURCE:]TARGET[:MODE])',
    ],
    [
      'data:/data:rx',
      'services.web.volumes[0]: invalid volume option "rx" (use ro, rw, z, Z, nocopy or a bind propagation mode)',
    ],
  ])('rejects %j', (volume, message) => {
    expect(errorText(() => web({ volumes: [volume] }))).toBe(message);
  });
});

describe('service fields', () => {
  it.each<[string, Doc, Partial<ServiceConfig>]>([
    [
      'depends_on list',
      { depends_on: ['db'] },
      { depends_on: { db: { condition: 'service_started', required: true, restart: false } } },
    ],
    [
      'depends_on map',
      { depends_on: { db: { condition: 'service_healthy', restart: true }, cache: null } },
      {
        depends_on: {
          db: { condition: 'service_healthy', required: true, restart: true },
          cache: { condition: 'service_started', required: true, restart: false },
        },
      },
    ],
    [
      'depends_on required: false',
      { depends_on: { db: { condition: 'service_started', required: false } } },
      { depends_on: { db: { condition: 'service_started', required: false, restart: false } } },
    ],
    [
      'environment list',
      { environment: ['A=1', 'B=', 'C=x=y', 'FROM_ENV', 'UNSET'] },
      { environment: { A: '1', B: '', C: 'x=y', FROM_ENV: 'outer' } },
    ],
    [
      'environment map',
      { environment: { A: 1, B: true, C: null, FROM_ENV: null, D: '' } },
      { environment: { A: '1', B: 'true', FROM_ENV: 'outer', D: '' } },
    ],
    ['command string', { command: `sh -c "echo hi"` }, { command: ['sh', '-c', 'echo hi'] }],
    ['command list', { command: ['npm', 'start'] }, { command: ['npm', 'start'] }],
    ['command empty string', { command: '' }, { command: [] }],
    [
      'entrypoint string',
      { entrypoint: '/entry.sh --flag' },
      { entrypoint: ['/entry.sh', '--flag'] },
    ],
    [
      'build string',
      { build: './app' },
      { build: { context: '/srv/demo/app', dockerfile: 'Dockerfile' } },
    ],
    [
      'build long',
      {
        build: {
          context: '.',
          dockerfile: 'dev.Dockerfile',
          args: ['A=1', 'FROM_ENV', 'UNSET'],
          labels: ['x=y'],
        },
      },
      {
        build: {
          context: '/srv/demo',
          dockerfile: 'dev.Dockerfile',
          args: { A: '1', FROM_ENV: 'outer' },
          labels: { x: 'y' },
        },
      },
    ],
    [
      'build inline dockerfile',
      { build: { dockerfile_inline: 'FROM busybox' } },
      { build: { context: '/srv/demo', dockerfile_inline: 'FROM busybox' } },
    ],
    [
      'build git context',
      { build: 'https://github.com/example/app.git#main' },
      { build: { context: 'https://github.com/example/app.git#main', dockerfile: 'Dockerfile' } },
    ],
    ['labels list', { labels: ['a=1', 'b'] }, { labels: { a: '1', b: '' } }],
    ['labels map', { labels: { a: 1, b: '' } }, { labels: { a: '1', b: '' } }],
    ['networks list', { networks: ['front', 'back'] }, { networks: { front: null, back: null } }],
    [
      'networks map',
      { networks: { front: { aliases: ['www'] }, back: null } },
      { networks: { front: { aliases: ['www'] }, back: null } },
    ],
    ['no networks', {}, { networks: { default: null } }],
    ['network_mode', { network_mode: 'host' }, { networks: undefined, network_mode: 'host' }],
    [
      'healthcheck',
      {
        healthcheck: {
          test: 'curl -f http://localhost',
          interval: '90s',
          timeout: '10s',
          start_period: '1m',
          start_interval: '500ms',
          retries: 3,
        },
      },
      {
        healthcheck: {
          test: ['CMD-SHELL', 'curl -f http://localhost'],
          interval: '1m30s',
          timeout: '10s',
          start_period: '1m0s',
          start_interval: '500ms',
          retries: 3,
        },
      },
    ],
    [
      'healthcheck list',
      { healthcheck: { test: ['CMD', 'true'], disable: false } },
      { healthcheck: { test: ['CMD', 'true'], disable: false } },
    ],
    [
      'byte sizes',
      { mem_limit: '512m', mem_reservation: '1gb', memswap_limit: -1, shm_size: 1024 },
      { mem_limit: 536_870_912, mem_reservation: 1_073_741_824, memswap_limit: -1, shm_size: 1024 },
    ],
    ['stop_grace_period', { stop_grace_period: '90s' }, { stop_grace_period: '1m30s' }],
    [
      'extra_hosts list',
      { extra_hosts: ['somehost:162.242.195.82', 'v6=[::1]', 'other=50.31.209.229'] },
      { extra_hosts: ['other=50.31.209.229', 'somehost=162.242.195.82', 'v6=::1'] },
    ],
    [
      'extra_hosts map',
      { extra_hosts: { b: '10.0.0.2', a: ['10.0.0.1', '::1'] } },
      { extra_hosts: ['a=10.0.0.1', 'a=::1', 'b=10.0.0.2'] },
    ],
    [
      'ulimits',
      { ulimits: { nproc: 65535, nofile: { soft: 20000, hard: 40000 } } },
      { ulimits: { nproc: 65535, nofile: { soft: 20000, hard: 40000 } } },
    ],
    [
      'expose',
      { expose: [3000, '8000', '8080-8085/tcp'] },
      { expose: ['3000', '8000', '8080-8085/tcp'] },
    ],
    ['dns string', { dns: '8.8.8.8' }, { dns: ['8.8.8.8'] }],
    ['tmpfs string', { tmpfs: '/run' }, { tmpfs: ['/run'] }],
    [
      'sysctls list',
      { sysctls: ['net.core.somaxconn=1024'] },
      { sysctls: { 'net.core.somaxconn': '1024' } },
    ],
    [
      'secrets',
      { secrets: ['cert', { source: 'key', target: 'key.pem', mode: 0o440, uid: 103 }] },
      {
        secrets: [
          { source: 'cert', target: '/run/secrets/cert' },
          { source: 'key', target: 'key.pem', mode: 0o440, uid: '103' },
        ],
      },
    ],
    [
      'configs',
      { configs: ['app', { source: 'nginx', target: '/etc/nginx.conf', mode: '0440' }] },
      { configs: [{ source: 'app' }, { source: 'nginx', target: '/etc/nginx.conf', mode: 0o440 }] },
    ],
    [
      'devices',
      { devices: ['/dev/ttyUSB0:/dev/ttyUSB0', '/dev/sda:/dev/xvda:rw', '/dev/fuse'] },
      {
        devices: [
          { source: '/dev/ttyUSB0', target: '/dev/ttyUSB0', permissions: 'rwm' },
          { source: '/dev/sda', target: '/dev/xvda', permissions: 'rw' },
          { source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' },
        ],
      },
    ],
    ['cpus as a string', { cpus: '0.5' }, { cpus: 0.5 }],
    [
      'blkio byte rates',
      {
        blkio_config: {
          weight: 300,
          device_read_bps: [{ path: '/dev/sdb', rate: '12mb' }],
          device_write_iops: [{ path: '/dev/sdb', rate: 30 }],
        },
      },
      {
        blkio_config: {
          weight: 300,
          device_read_bps: [{ path: '/dev/sdb', rate: 12_582_912 }],
          device_write_iops: [{ path: '/dev/sdb', rate: 30 }],
        },
      },
    ],
    [
      'lifecycle hooks',
      {
        post_start: [{ command: './warm.sh --fast', environment: ['A=1', 'FROM_ENV'] }],
        pre_start: [{ image: 'busybox', command: ['true'] }],
      },
      {
        post_start: [
          { command: ['./warm.sh', '--fast'], environment: { A: '1', FROM_ENV: 'outer' } },
        ],
        pre_start: [{ image: 'busybox', command: ['true'] }],
      },
    ],
    ['deploy.replicas becomes scale', { deploy: { replicas: 3 } }, { scale: 3 }],
    ['container_name kept', { container_name: 'my-web' }, { container_name: 'my-web' }],
    [
      'deploy resources memory',
      {
        deploy: {
          resources: { limits: { memory: '50M', cpus: '0.5' } },
          restart_policy: { delay: '5s' },
        },
      },
      {
        deploy: {
          resources: { limits: { memory: 52_428_800, cpus: 0.5 } },
          restart_policy: { delay: '5s' },
        },
      },
    ],
  ])('%s', (_name, fields, expected) => {
    const service = web(fields, { FROM_ENV: 'outer' });
    for (const [key, value] of Object.entries(expected)) {
      expect(service[key], key).toEqual(value);
    }
  });

  it.each<[Doc, string]>([
    [
      { command: `echo 'open` },
      'services.web.command: cannot split command: unterminated single quote',
    ],
    [
      { mem_limit: '12q' },
      'services.web.mem_limit: invalid byte size "12q" (use e.g. 512m, 1gb, 2048k)',
    ],
    [
      { healthcheck: { interval: '10' } },
      'services.web.healthcheck.interval: invalid duration "10" (use e.g. 10s, 1m30s, 500ms)',
    ],
    [
      { scale: 2, deploy: { replicas: 3 } },
      'services.web.scale: scale 2 does not match deploy.replicas 3 (set only one of them)',
    ],
    [
      { extra_hosts: ['nohost'] },
      'services.web.extra_hosts[0]: invalid extra host "nohost" (expected HOST=IP)',
    ],
  ])('rejects %j', (fields, message) => {
    expect(errorText(() => web(fields))).toBe(message);
  });
});

describe('env_file', () => {
  const files: Record<string, Record<string, string>> = {
    '/srv/demo/a.env': { A: 'from-a', SHARED: 'a' },
    '/srv/demo/b.env': { B: 'from-b', SHARED: 'b' },
  };
  const reader: EnvFileReader = (reference) => files[reference.path];

  it('merges files in order under environment', () => {
    const project = normalize(
      {
        services: {
          web: {
            image: 'nginx',
            env_file: [
              '/srv/demo/a.env',
              { path: '/srv/demo/b.env', format: 'raw' },
              { path: '/x.env', required: false },
            ],
            environment: { A: 'override' },
          },
        },
      },
      {},
      reader,
    );
    expect(project.services.web.env_file).toEqual([
      { path: '/srv/demo/a.env', required: true },
      { path: '/srv/demo/b.env', required: true, format: 'raw' },
      { path: '/x.env', required: false },
    ]);
    expect(project.services.web.environment).toEqual({ A: 'override', B: 'from-b', SHARED: 'b' });
  });

  it('takes a single string', () => {
    const project = normalize(
      { services: { web: { image: 'x', env_file: '/srv/demo/a.env' } } },
      {},
      reader,
    );
    expect(project.services.web.environment).toEqual({ A: 'from-a', SHARED: 'a' });
  });

  it('rejects a missing required file', () => {
    expect(
      errorText(() =>
        normalize({ services: { web: { image: 'x', env_file: ['/missing.env'] } } }, {}, reader),
      ),
    ).toBe('services.web.env_file[0]: env file /missing.env not found');
  });
});

describe('label_file', () => {
  const reader: EnvFileReader = (reference) =>
    ({ '/srv/demo/app.labels': { a: 'file', b: 'file' } })[reference.path];

  it('merges label files under labels', () => {
    const project = normalize(
      {
        services: {
          web: { image: 'x', label_file: '/srv/demo/app.labels', labels: { b: 'inline' } },
        },
      },
      {},
      reader,
    );
    expect(project.services.web.labels).toEqual({ a: 'file', b: 'inline' });
  });

  it('rejects a missing label file', () => {
    expect(
      errorText(() =>
        normalize({ services: { web: { image: 'x', label_file: ['/nope.labels'] } } }, {}, reader),
      ),
    ).toBe('services.web.label_file[0]: label file /nope.labels not found');
  });
});

describe('top-level resources', () => {
  it('adds the default network for services without networks', () => {
    const project = normalize({ services: { web: { image: 'x' } } });
    expect(project.networks).toEqual({ default: { name: 'demo_default' } });
  });

  it('adds no default network when every service has network_mode or networks', () => {
    const project = normalize({
      services: { a: { image: 'x', network_mode: 'none' }, b: { image: 'x', networks: ['front'] } },
      networks: { front: {} },
    });
    expect(project.networks).toEqual({ front: { name: 'demo_front' } });
  });

  it('keeps a customised default network', () => {
    const project = normalize({
      services: { web: { image: 'x' } },
      networks: { default: { name: 'shared' } },
    });
    expect(project.networks.default).toEqual({ name: 'shared' });
  });

  it.each<[string, Doc, Record<string, unknown>]>([
    ['scoped by project', { data: null }, { data: { name: 'demo_data' } }],
    ['explicit name', { data: { name: 'my-data' } }, { data: { name: 'my-data' } }],
    ['external', { data: { external: true } }, { data: { name: 'data', external: true } }],
    [
      'legacy external name',
      { data: { external: { name: 'actual' } } },
      { data: { name: 'actual', external: true } },
    ],
    [
      'labels and driver_opts',
      { data: { labels: ['a=b'], driver_opts: { size: 10 } } },
      { data: { name: 'demo_data', labels: { a: 'b' }, driver_opts: { size: '10' } } },
    ],
  ])('volumes: %s', (_name, volumes, expected) => {
    expect(normalize({ services: {}, volumes }).volumes).toEqual(expected);
  });

  it('names secrets and configs like volumes', () => {
    const project = normalize({
      services: {},
      secrets: { cert: { file: '/srv/demo/cert.pem' }, token: { external: true } },
      configs: { app: { content: 'x=1' } },
    });
    expect(project.secrets).toEqual({
      cert: { name: 'demo_cert', file: '/srv/demo/cert.pem' },
      token: { name: 'token', external: true },
    });
    expect(project.configs).toEqual({ app: { name: 'demo_app', content: 'x=1' } });
  });

  it('keeps top-level extensions', () => {
    expect(normalize({ services: {}, 'x-common': { a: 1 } }).extensions).toEqual({
      'x-common': { a: 1 },
    });
  });
});
