import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeContainerFiles } from '../../src/network/container-files.js';
import { hostsFile, parseExtraHost } from '../../src/network/hosts-file.js';
import { resolvConf } from '../../src/network/resolv-conf.js';

const host = 'nameserver 10.255.255.53\nsearch corp.example\noptions edns0\n';

describe('resolv.conf', () => {
  it('points at the network DNS server, keeping the host search and options', () => {
    expect(resolvConf({ gateway: '172.20.0.1', hostResolvConf: host })).toBe(
      'nameserver 172.20.0.1\nsearch corp.example\noptions edns0\n',
    );
  });

  it('uses the user dns servers, dns_search and dns_opt when given', () => {
    const text = resolvConf({
      gateway: '172.20.0.1',
      dns: ['10.0.0.53', '10.0.1.53'],
      dnsSearch: ['a.test', 'b.test'],
      dnsOptions: ['ndots:2', 'timeout:1'],
      hostResolvConf: host,
    });
    expect(text).toBe(
      'nameserver 10.0.0.53\nnameserver 10.0.1.53\nsearch a.test b.test\noptions ndots:2 timeout:1\n',
    );
  });

  it('keeps the host nameservers without a network, and drops empty lines', () => {
    expect(resolvConf({ hostResolvConf: host, dnsSearch: [], dnsOptions: [] })).toBe(
      'nameserver 10.255.255.53\n',
    );
  });
});

describe('hosts and hostname', () => {
  it('lists localhost, the own name on the own address, then extra_hosts', () => {
    const text = hostsFile({
      hostname: 'web1',
      domainname: 'proj.test',
      address: '172.20.0.2',
      extraHosts: ['somehost:162.242.195.82', 'v6host=::1', 'other:[fe80::2]'],
    });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('127.0.0.1\tlocalhost');
    expect(lines).toContain('172.20.0.2\tweb1.proj.test web1');
    expect(lines.slice(-3)).toEqual(['162.242.195.82\tsomehost', '::1\tv6host', 'fe80::2\tother']);
  });

  it('maps the hostname to 127.0.1.1 without a network', () => {
    expect(hostsFile({ hostname: 'lonely' })).toContain('127.0.1.1\tlonely\n');
  });

  it('names a malformed extra_hosts entry', () => {
    expect(() => parseExtraHost('nocolon')).toThrow(/invalid extra_hosts entry "nocolon"/);
  });

  it('writes the three files for bind mounts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tcn-files-'));
    try {
      const paths = await writeContainerFiles(dir, {
        resolv: { gateway: '172.20.0.1', hostResolvConf: '' },
        hosts: { hostname: 'web1', address: '172.20.0.2' },
      });
      expect(await readFile(paths.resolvConf, 'utf8')).toBe('nameserver 172.20.0.1\n');
      expect(await readFile(paths.hostname, 'utf8')).toBe('web1\n');
      expect(await readFile(paths.hosts, 'utf8')).toContain('172.20.0.2\tweb1\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
