import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/index.js';
import { serviceConfigHash } from '../../src/scheduler/config-hash.js';
import { containerCreateBody } from '../../src/scheduler/container-request.js';

const directory = mkdtempSync(join(tmpdir(), 'tcompose-request-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function requestFor(yaml: string, service: string, number = 1) {
  const file = join(directory, 'compose.yaml');
  writeFileSync(file, yaml);
  const project = loadProject({ files: [file], projectName: 'demo', environment: {} });
  const config = project.services[service];
  return containerCreateBody({
    project,
    service: config,
    number,
    configHash: serviceConfigHash(config),
    containerOf: (name) => `demo-${name}-1`,
  });
}

describe('containerCreateBody', () => {
  it('translates the common fields as Compose sends them', () => {
    const body = requestFor(
      `
services:
  web:
    image: busybox
    command: httpd -f -p 80
    environment: [A=1, B=two]
    working_dir: /srv
    user: "1000:1000"
    ports: ["127.0.0.1:8080:80", "9000-9001:9000-9001/udp", "3000"]
    expose: ["7000"]
    restart: on-failure:3
    stop_grace_period: 1m30s
    mem_limit: 64m
    cpus: "0.5"
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
      retries: 4
    labels: { team: web }
`,
      'web',
    );
    expect(body.Image).toBe('busybox');
    expect(body.Cmd).toEqual(['httpd', '-f', '-p', '80']);
    expect(body.Env).toEqual(['A=1', 'B=two']);
    expect(body.WorkingDir).toBe('/srv');
    expect(body.User).toBe('1000:1000');
    expect(body.StopTimeout).toBe(90);
    expect(body.Labels.team).toBe('web');
    expect(body.Labels['com.docker.compose.service']).toBe('web');
    expect(body.ExposedPorts).toEqual({
      '80/tcp': {},
      '9000/udp': {},
      '9001/udp': {},
      '3000/tcp': {},
      '7000/tcp': {},
    });
    expect(body.HostConfig.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      '9000/udp': [{ HostIp: '', HostPort: '9000' }],
      '9001/udp': [{ HostIp: '', HostPort: '9001' }],
      '3000/tcp': [{ HostIp: '', HostPort: '' }],
    });
    expect(body.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(body.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(body.HostConfig.NanoCpus).toBe(500_000_000);
    expect(body.Healthcheck).toEqual({
      Test: ['CMD', 'true'],
      Interval: 2e9,
      Retries: 4,
      Timeout: undefined,
      StartPeriod: undefined,
      StartInterval: undefined,
    });
  });

  it('attaches the project networks with the service name as an alias', () => {
    const body = requestFor(
      `
services:
  api:
    image: busybox
    networks:
      front: { aliases: [backend] }
      back: { ipv4_address: 10.5.0.9 }
networks:
  front: {}
  back: { name: shared-back }
`,
      'api',
    );
    expect(body.HostConfig.NetworkMode).toBe('demo_front');
    expect(body.NetworkingConfig.EndpointsConfig).toEqual({
      demo_front: { Aliases: ['api', 'backend'] },
      'shared-back': { Aliases: ['api'], IPAMConfig: { IPv4Address: '10.5.0.9' } },
    });
  });

  it('scopes named volumes to the project and keeps binds absolute', () => {
    const body = requestFor(
      `
services:
  db:
    image: busybox
    volumes: ["data:/var/lib/data", "./conf:/etc/conf:ro", "/cache"]
volumes:
  data: {}
`,
      'db',
    );
    expect(body.HostConfig.Mounts).toEqual([
      expect.objectContaining({ Type: 'volume', Source: 'demo_data', Target: '/var/lib/data' }),
      expect.objectContaining({
        Type: 'bind',
        Source: join(directory, 'conf'),
        Target: '/etc/conf',
        ReadOnly: true,
      }),
      expect.objectContaining({ Type: 'volume', Source: '', Target: '/cache' }),
    ]);
  });

  it('resolves service: references to the engine containers', () => {
    const body = requestFor(
      `
services:
  app: { image: busybox }
  sidecar:
    image: busybox
    network_mode: service:app
    volumes_from: [app]
`,
      'sidecar',
    );
    expect(body.HostConfig.NetworkMode).toBe('container:demo-app-1');
    expect(body.HostConfig.VolumesFrom).toEqual(['demo-app-1']);
    expect(body.NetworkingConfig.EndpointsConfig).toEqual({});
  });

  it('says NONE for a disabled healthcheck', () => {
    const body = requestFor(
      'services:\n  x:\n    image: busybox\n    healthcheck: { disable: true }\n',
      'x',
    );
    expect(body.Healthcheck).toEqual({ Test: ['NONE'] });
  });

  it('hands the engine the settings Compose passes as they are', () => {
    const body = requestFor(
      [
        'services:',
        '  x:',
        '    image: busybox',
        '    cgroup_parent: /custom',
        '    cgroup: host',
        '    uts: host',
        '    userns_mode: host',
        '    runtime: runc',
        '    storage_opt: { size: 1G }',
        '    oom_kill_disable: true',
        '    mem_swappiness: 10',
      ].join('\n'),
      'x',
    );
    expect(body.HostConfig).toMatchObject({
      CgroupParent: '/custom',
      CgroupnsMode: 'host',
      UTSMode: 'host',
      UsernsMode: 'host',
      Runtime: 'runc',
      StorageOpt: { size: '1G' },
      OomKillDisable: true,
      MemorySwappiness: 10,
    });
  });

  it('gives the service its devices (short and long form), device cgroup rules and cpuset', () => {
    const body = requestFor(
      [
        'services:',
        '  x:',
        '    image: busybox',
        '    cpuset: 0-1',
        '    device_cgroup_rules: ["c 10:200 rwm"]',
        '    devices:',
        '      - /dev/null:/dev/mynull:r',
        '      - /dev/zero',
        '      - { source: /dev/full, target: /dev/myfull }',
      ].join('\n'),
      'x',
    );
    expect(body.HostConfig.CpusetCpus).toBe('0-1');
    expect(body.HostConfig.DeviceCgroupRules).toEqual(['c 10:200 rwm']);
    expect(body.HostConfig.Devices).toEqual([
      { PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'r' },
      { PathOnHost: '/dev/zero', PathInContainer: '/dev/zero', CgroupPermissions: 'rwm' },
      { PathOnHost: '/dev/full', PathInContainer: '/dev/myfull', CgroupPermissions: undefined },
    ]);
  });

  it('passes blkio_config, gpus, cpu_rt_* and external_links, which a Docker engine honours', () => {
    const body = requestFor(
      [
        'services:',
        '  db:',
        '    image: busybox',
        '  x:',
        '    image: busybox',
        '    links: [db:database]',
        '    external_links: [legacy_cache, other_db:olddb]',
        '    cpu_rt_period: 1000',
        '    cpu_rt_runtime: 950',
        '    blkio_config:',
        '      weight: 300',
        '      weight_device: [{ path: /dev/sda, weight: 400 }]',
        '      device_read_bps: [{ path: /dev/sdb, rate: 12mb }]',
        '      device_write_iops: [{ path: /dev/sdb, rate: 30 }]',
        '    gpus:',
        '      - driver: nvidia',
        '        count: 2',
        '      - device_ids: ["GPU-1"]',
        '        capabilities: [compute]',
      ].join('\n'),
      'x',
    );
    expect(body.HostConfig).toMatchObject({
      Links: ['demo-db-1:database', 'legacy_cache:legacy_cache', 'other_db:olddb'],
      CpuRealtimePeriod: 1000,
      CpuRealtimeRuntime: 950,
      BlkioWeight: 300,
      BlkioWeightDevice: [{ Path: '/dev/sda', Weight: 400 }],
      BlkioDeviceReadBps: [{ Path: '/dev/sdb', Rate: 12 * 1024 * 1024 }],
      BlkioDeviceWriteIOps: [{ Path: '/dev/sdb', Rate: 30 }],
      DeviceRequests: [
        { Driver: 'nvidia', Count: 2, Capabilities: [['gpu']] },
        { DeviceIDs: ['GPU-1'], Capabilities: [['gpu', 'compute']] },
      ],
    });
    const all = requestFor('services:\n  x:\n    image: busybox\n    gpus: all\n', 'x');
    expect(all.HostConfig.DeviceRequests).toEqual([{ Count: -1, Capabilities: [['gpu']] }]);
  });
});
