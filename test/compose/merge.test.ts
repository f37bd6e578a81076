import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../src/compose/errors.js';
import { extendService, mergeComposeDocuments } from '../../src/compose/merge.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { locatorFor } from '../../src/compose/source-map.js';

type Mapping = Record<string, unknown>;

/** Merges compose files given as YAML text, the way the loader does. */
function mergeYaml(...texts: string[]): Mapping {
  let merged: Mapping = {};
  texts.forEach((text, i) => {
    const parsed = parseComposeYaml(text, `file${i}.yaml`);
    merged = mergeComposeDocuments(merged, parsed.value as Mapping, parsed.overrides);
  });
  return merged;
}

const service = (fields: string) =>
  `services:\n  foo:\n${fields
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n`;

describe('merge rules from the specification (13-merge.md)', () => {
  it.each([
    [
      'mapping: missing entries added, conflicting ones merged',
      'services:\n  foo:\n    key1: value1\n    key2: value2\n',
      'services:\n  foo:\n    key2: VALUE\n    key3: value3\n',
      { services: { foo: { key1: 'value1', key2: 'VALUE', key3: 'value3' } } },
    ],
    [
      'sequence: appended',
      'services:\n  foo:\n    DNS:\n      - 1.1.1.1\n',
      'services:\n  foo:\n    DNS:\n      - 8.8.8.8\n',
      { services: { foo: { DNS: ['1.1.1.1', '8.8.8.8'] } } },
    ],
    [
      'shell commands: replaced',
      'services:\n  foo:\n    command: ["echo", "foo"]\n',
      'services:\n  foo:\n    command: ["echo", "bar"]\n',
      { services: { foo: { command: ['echo', 'bar'] } } },
    ],
    [
      'unique resources: volumes by target',
      'services:\n  foo:\n    volumes:\n      - foo:/work\n',
      'services:\n  foo:\n    volumes:\n      - bar:/work\n',
      { services: { foo: { volumes: ['bar:/work'] } } },
    ],
    [
      'reset value',
      'services:\n  app:\n    image: myapp\n    ports:\n      - "8080:80"\n    environment:\n      FOO: BAR\n',
      'services:\n  app:\n    image: myapp\n    ports: !reset []\n    environment:\n      FOO: !reset null\n',
      { services: { app: { image: 'myapp', environment: {} } } },
    ],
    [
      'replace value',
      'services:\n  app:\n    image: myapp\n    ports:\n      - "8080:80"\n',
      'services:\n  app:\n    ports: !override\n      - "8443:443"\n',
      { services: { app: { image: 'myapp', ports: ['8443:443'] } } },
    ],
  ])('%s', (_, base, override, expected) => {
    expect(mergeYaml(base, override)).toEqual(expected);
  });
});

describe('merge rules per field', () => {
  it.each([
    ['scalar replaced', 'image: a', 'image: b', { image: 'b' }],
    ['null override keeps the earlier value', 'image: a', 'image:', { image: 'a' }],
    ['entrypoint replaced', 'entrypoint: [a, b]', 'entrypoint: c', { entrypoint: 'c' }],
    ['string command replaced by a list', 'command: run it', 'command: [x]', { command: ['x'] }],
    [
      'healthcheck.test replaced, other healthcheck keys merged',
      'healthcheck:\n  test: [CMD, a]\n  interval: 5s',
      'healthcheck:\n  test: [CMD, b]\n  retries: 3',
      { healthcheck: { test: ['CMD', 'b'], interval: '5s', retries: 3 } },
    ],
    ['ports appended', 'ports: ["80:80"]', 'ports: ["443:443"]', { ports: ['80:80', '443:443'] }],
    [
      'identical ports once',
      'ports: ["80:80", "81:81"]',
      'ports: ["80:80"]',
      { ports: ['80:80', '81:81'] },
    ],
    [
      'same port in short and long syntax once',
      'ports: ["127.0.0.1:8080:80/udp"]',
      'ports:\n  - {target: 80, published: "8080", host_ip: 127.0.0.1, protocol: udp, mode: host}',
      {
        ports: [
          { target: 80, published: '8080', host_ip: '127.0.0.1', protocol: 'udp', mode: 'host' },
        ],
      },
    ],
    [
      'different protocols are different ports',
      'ports: ["53:53"]',
      'ports: ["53:53/udp"]',
      { ports: ['53:53', '53:53/udp'] },
    ],
    [
      'expose unique-appended',
      'expose: ["80", 81]',
      'expose: [80, "82"]',
      { expose: [80, 81, '82'] },
    ],
    [
      'dns unique-appended, string form too',
      'dns: 8.8.8.8',
      'dns: [1.1.1.1, 8.8.8.8]',
      { dns: ['8.8.8.8', '1.1.1.1'] },
    ],
    [
      'dns_search unique-appended',
      'dns_search: [a]',
      'dns_search: [a, b]',
      { dns_search: ['a', 'b'] },
    ],
    ['tmpfs unique-appended', 'tmpfs: /run', 'tmpfs: [/run, /tmp]', { tmpfs: ['/run', '/tmp'] }],
    [
      'env_file unique-appended by path',
      'env_file: [a.env]',
      'env_file:\n  - path: a.env\n    required: false\n  - b.env',
      { env_file: [{ path: 'a.env', required: false }, 'b.env'] },
    ],
    [
      'cap_add unique-appended',
      'cap_add: [NET_ADMIN]',
      'cap_add: [NET_ADMIN, SYS_TIME]',
      { cap_add: ['NET_ADMIN', 'SYS_TIME'] },
    ],
    [
      'other sequences appended',
      'security_opt: [a]',
      'security_opt: [a]',
      { security_opt: ['a', 'a'] },
    ],
    [
      'volumes merged by target, long and short',
      'volumes:\n  - data:/data\n  - /host:/etc/x:ro',
      'volumes:\n  - type: volume\n    source: other\n    target: /data\n  - logs:/logs',
      {
        volumes: [
          { type: 'volume', source: 'other', target: '/data' },
          '/host:/etc/x:ro',
          'logs:/logs',
        ],
      },
    ],
    [
      'devices merged by container path',
      'devices: ["/dev/a:/dev/x", "/dev/b"]',
      'devices: ["/dev/c:/dev/x:r"]',
      { devices: ['/dev/c:/dev/x:r', '/dev/b'] },
    ],
    [
      'environment maps merged',
      'environment:\n  A: "1"\n  B: "2"',
      'environment:\n  B: "3"\n  C:',
      { environment: { A: '1', B: '3', C: null } },
    ],
    [
      'environment list and map merged as maps',
      'environment: [A=1, B=2, K]',
      'environment:\n  B: x',
      { environment: { A: '1', B: 'x', K: null } },
    ],
    [
      'environment map then list',
      'environment:\n  A: 1',
      'environment: [A=2, C=3=4]',
      { environment: { A: '2', C: '3=4' } },
    ],
    ['labels merged as maps', 'labels: [a=1]', 'labels:\n  b: "2"', { labels: { a: '1', b: '2' } }],
    [
      'sysctls merged as maps',
      'sysctls: [net.a=1]',
      'sysctls: [net.a=2]',
      { sysctls: { 'net.a': '2' } },
    ],
    [
      'extra_hosts: entries kept, identical ones once',
      'extra_hosts: ["a=1.1.1.1"]',
      'extra_hosts:\n  a: 1.1.1.1\n  b: [2.2.2.2, 3.3.3.3]',
      { extra_hosts: ['a=1.1.1.1', 'b=2.2.2.2', 'b=3.3.3.3'] },
    ],
    [
      'ulimits merged by name, each limit replaced whole',
      'ulimits:\n  nofile: {soft: 1, hard: 2}\n  nproc: 5\n  core: 0',
      'ulimits:\n  nofile: {hard: 3}\n  nproc: {soft: 1, hard: 2}',
      { ulimits: { nofile: { hard: 3 }, nproc: { soft: 1, hard: 2 }, core: 0 } },
    ],
    [
      'networks merged by name, list and map',
      'networks: [front, back]',
      'networks:\n  back:\n    aliases: [db]\n  extra: {}',
      { networks: { front: null, back: { aliases: ['db'] }, extra: {} } },
    ],
    [
      'network aliases unique-appended',
      'networks:\n  n:\n    aliases: [a]',
      'networks:\n  n:\n    aliases: [a, b]',
      { networks: { n: { aliases: ['a', 'b'] } } },
    ],
    [
      'depends_on merged as a map with defaults',
      'depends_on: [db]',
      'depends_on:\n  cache:\n    condition: service_healthy',
      {
        depends_on: {
          db: { condition: 'service_started', required: true },
          cache: { condition: 'service_healthy' },
        },
      },
    ],
    [
      'depends_on entry merged',
      'depends_on:\n  db:\n    condition: service_healthy',
      'depends_on: [db]',
      { depends_on: { db: { condition: 'service_started', required: true } } },
    ],
    [
      'secrets merged by target',
      'secrets: [a, {source: b, target: /x}]',
      'secrets:\n  - source: c\n    target: /run/secrets/a\n  - source: d\n    target: /x',
      {
        secrets: [
          { source: 'c', target: '/run/secrets/a' },
          { source: 'd', target: '/x' },
        ],
      },
    ],
    [
      'configs merged by target',
      'configs: [a]',
      'configs: [{source: a, mode: 0o440}]',
      { configs: [{ source: 'a', mode: 0o440 }] },
    ],
    [
      'build string merged with a mapping',
      'build: ./dir',
      'build:\n  dockerfile: Other\n  args: [A=1]',
      { build: { context: './dir', dockerfile: 'Other', args: ['A=1'] } },
    ],
    [
      'build args merged as maps',
      'build:\n  context: .\n  args: {A: "1"}',
      'build:\n  args: [B=2]',
      { build: { context: '.', args: { A: '1', B: '2' } } },
    ],
    [
      'logging options merged with the same driver',
      'logging:\n  driver: json-file\n  options: {max-size: 1m}',
      'logging:\n  options: {max-file: "3"}',
      { logging: { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } } },
    ],
    [
      'logging replaced with another driver',
      'logging:\n  driver: json-file\n  options: {max-size: 1m}',
      'logging:\n  driver: syslog',
      { logging: { driver: 'syslog' } },
    ],
    ['x- fields merged like any mapping', 'x-a: {p: 1}', 'x-a: {q: 2}', { 'x-a': { p: 1, q: 2 } }],
    [
      'nested mappings merged',
      'deploy:\n  resources:\n    limits: {cpus: "1"}',
      'deploy:\n  resources:\n    limits: {memory: 1g}',
      { deploy: { resources: { limits: { cpus: '1', memory: '1g' } } } },
    ],
    ['!reset on a field removes it', 'user: root\nimage: a', 'user: !reset null', { image: 'a' }],
    [
      '!reset on a mapping key',
      'environment: {A: "1", B: "2"}',
      'environment:\n  A: !reset',
      { environment: { B: '2' } },
    ],
    [
      '!override on a mapping replaces it',
      'environment: {A: "1", B: "2"}',
      'environment: !override {C: "3"}',
      { environment: { C: '3' } },
    ],
    [
      '!override on volumes skips the merge by target',
      'volumes: [a:/a, b:/b]',
      'volumes: !override [c:/b]',
      { volumes: ['c:/b'] },
    ],
  ])('%s', (_, base, override, expected) => {
    expect(mergeYaml(service(base), service(override))).toEqual({ services: { foo: expected } });
  });

  it('deduplicates unique sequences within one file as Compose does', () => {
    expect(mergeYaml(service('volumes: [a:/data, b:/data]\nports: ["80:80", "80:80"]'))).toEqual({
      services: { foo: { volumes: ['b:/data'], ports: ['80:80'] } },
    });
  });

  it('!reset removes a whole service', () => {
    expect(
      mergeYaml('services:\n  a: {image: x}\n  b: {image: y}\n', 'services:\n  a: !reset\n'),
    ).toEqual({
      services: { b: { image: 'y' } },
    });
  });

  it('merges top-level resources by name', () => {
    expect(
      mergeYaml(
        'networks:\n  n:\n    driver: bridge\n    labels: [a=1]\n    ipam:\n      config:\n        - subnet: 10.0.0.0/24\nvolumes:\n  v: {}\nname: one\n',
        'networks:\n  n:\n    labels: {b: "2"}\n    ipam:\n      config:\n        - subnet: 10.0.0.0/24\n          gateway: 10.0.0.1\n        - subnet: 10.1.0.0/24\nvolumes:\n  w: {external: true}\nname: two\n',
      ),
    ).toEqual({
      networks: {
        n: {
          driver: 'bridge',
          labels: { a: '1', b: '2' },
          ipam: {
            config: [{ subnet: '10.0.0.0/24', gateway: '10.0.0.1' }, { subnet: '10.1.0.0/24' }],
          },
        },
      },
      volumes: { v: {}, w: { external: true } },
      name: 'two',
    });
  });

  it('merges three files in order', () => {
    expect(
      mergeYaml(
        service('image: a\nports: ["1:1"]'),
        service('image: b\nports: ["2:2"]'),
        service('ports: !reset []'),
      ),
    ).toEqual({ services: { foo: { image: 'b' } } });
  });

  it('does not change its inputs', () => {
    const base = parseComposeYaml(service('ports: ["1:1"]\nenvironment: [A=1]'), 'a.yaml')
      .value as Mapping;
    const before = structuredClone(base);
    mergeComposeDocuments(
      base,
      parseComposeYaml(service('ports: ["2:2"]\nenvironment: [A=2]'), 'b.yaml').value as Mapping,
    );
    expect(base).toEqual(before);
  });

  it('refuses to merge a mapping with a scalar', () => {
    expect(() => mergeYaml(service('deploy: {replicas: 1}'), service('deploy: three'))).toThrow(
      ComposeError,
    );
  });

  it('positions follow an entry that replaced an earlier one with the same identity', () => {
    const first = parseComposeYaml(service('volumes:\n  - a:/a\n  - b:/b'), 'first.yaml');
    const second = parseComposeYaml(service('volumes:\n  - c:/a'), 'second.yaml');
    const merged = mergeComposeDocuments(first.value as Mapping, second.value as Mapping);
    const { locate } = locatorFor(merged);
    expect(locate(['services', 'foo', 'volumes', 0])).toEqual({
      file: 'second.yaml',
      line: 4,
      column: 9,
    });
    expect(locate(['services', 'foo', 'volumes', 1])).toEqual({
      file: 'first.yaml',
      line: 5,
      column: 9,
    });
    // No third entry any more: the nearest ancestor answers.
    expect(locate(['services', 'foo', 'volumes', 2])).toEqual({
      file: 'second.yaml',
      line: 3,
      column: 5,
    });
  });

  it('positions follow the file that defined each value', () => {
    const first = parseComposeYaml(
      service('image: a\nuser: root\nports:\n  - "1:1"'),
      'first.yaml',
    );
    const second = parseComposeYaml(service('image: b\nports:\n  - "2:2"'), 'second.yaml');
    const merged = mergeComposeDocuments(first.value as Mapping, second.value as Mapping);
    const { locate } = locatorFor(merged);
    expect(locate(['services', 'foo', 'image'])).toEqual({
      file: 'second.yaml',
      line: 3,
      column: 12,
    });
    expect(locate(['services', 'foo', 'user'])).toEqual({
      file: 'first.yaml',
      line: 4,
      column: 11,
    });
    expect(locate(['services', 'foo', 'ports', 0])).toEqual({
      file: 'first.yaml',
      line: 6,
      column: 9,
    });
    expect(locate(['services', 'foo', 'ports', 1])).toEqual({
      file: 'second.yaml',
      line: 5,
      column: 9,
    });
  });
});

describe('extendService', () => {
  it.each([
    [
      'main mappings override referenced ones (spec example)',
      { image: 'busybox', environment: { TZ: 'utc', PORT: 80 } },
      { environment: { PORT: 8080 }, extends: { service: 'common' } },
      { image: 'busybox', environment: { TZ: 'utc', PORT: 8080 } },
    ],
    [
      'array syntax gives the same result',
      { image: 'busybox', environment: ['TZ=utc', 'PORT=80'] },
      { environment: ['PORT=8080'], extends: { service: 'common' } },
      { image: 'busybox', environment: { TZ: 'utc', PORT: '8080' } },
    ],
    [
      'sequences: referenced items first',
      { security_opt: ['label:role:ROLE'] },
      { security_opt: ['label:user:USER'] },
      { security_opt: ['label:role:ROLE', 'label:user:USER'] },
    ],
    [
      'scalars: main wins',
      { image: 'a', user: 'root' },
      { image: 'b' },
      { image: 'b', user: 'root' },
    ],
  ])('%s', (_, base, main, expected) => {
    expect(extendService(base, main, 'cli')).toEqual(expected);
  });
});
