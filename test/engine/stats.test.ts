import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';
import { dockerOk } from './support.js';

const testEngine = engineForFile();

const ok = (...args: string[]) => dockerOk(testEngine(), args);

interface StatsRow {
  Name: string;
  CPUPerc: string;
  MemUsage: string;
  NetIO: string;
  PIDs: string;
}

const percent = (text: string) => Number.parseFloat(text.replace('%', ''));

describe('container stats and processes (docker stats, docker top)', () => {
  it('reports CPU, memory, network and PIDs from the container cgroup and namespace', async () => {
    const name = `stats-${randomBytes(4).toString('hex')}`;
    const network = `${name}-net`;
    await ok('network', 'create', network);
    // A shell burning a CPU and a sleep beside it: PIDs counts the cgroup's two processes.
    const burn = 'sleep 1000 & while :; do :; done';
    await ok('run', '-d', '--name', name, '--network', network, 'busybox', 'sh', '-c', burn);
    const idle = `${name}-idle`;
    await ok('run', '-d', '--name', idle, '--network', 'none', 'busybox', 'sleep', '1000');

    const rows = (await ok('stats', '--no-stream', '--format', '{{json .}}', name, idle))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StatsRow);
    const busy = rows.find((row) => row.Name === name);
    const quiet = rows.find((row) => row.Name === idle);
    expect(percent(busy?.CPUPerc ?? '0')).toBeGreaterThan(20);
    expect(percent(quiet?.CPUPerc ?? '100')).toBeLessThan(5);
    expect(busy?.PIDs).toBe('2');
    expect(busy?.MemUsage).toMatch(/^[\d.]+[KM]iB \/ [\d.]+[GM]iB$/);
    expect(busy?.MemUsage.startsWith('0B')).toBe(false);
    // A bridged container has eth0 counted; one with no network has nothing to count.
    expect(busy?.NetIO).toMatch(/^[\d.]+k?B \/ [\d.]+k?B$/);
    expect(quiet?.NetIO).toBe('0B / 0B');

    const { client } = testEngine();
    const document = await client.request<Record<string, unknown>>(
      'GET',
      `/containers/${name}/stats`,
      { query: { stream: 'false', 'one-shot': 'true' } },
    );
    expect(document).toMatchObject({
      name: `/${name}`,
      pids_stats: { current: 2 },
      cpu_stats: { online_cpus: expect.any(Number), system_cpu_usage: expect.any(Number) },
      networks: { eth0: { rx_bytes: expect.any(Number) } },
    });

    // top lists the processes of the same cgroup.
    const top = await ok('top', name);
    expect(top).toContain('sleep 1000');
    expect(top.trim().split('\n')).toHaveLength(3);

    await ok('stop', '-t', '0', idle);
    const stopped = await client.request<Record<string, unknown>>(
      'GET',
      `/containers/${idle}/stats`,
      { query: { stream: 'false', 'one-shot': 'true' } },
    );
    expect(stopped).toMatchObject({ read: '0001-01-01T00:00:00Z', memory_stats: {} });

    await ok('rm', '-f', name, idle);
    await ok('network', 'rm', network);
  });

  it('streams a document a second until the container is removed', async () => {
    const name = `stats-stream-${randomBytes(4).toString('hex')}`;
    await ok('run', '-d', '--name', name, '--network', 'none', 'busybox', 'sleep', '1000');
    const response = await testEngine().client.stream('GET', `/containers/${name}/stats`);
    const documents: { read: string; preread: string }[] = [];
    let buffered = '';
    response.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        documents.push(JSON.parse(buffered.slice(0, end)));
        buffered = buffered.slice(end + 1);
      }
    });
    const ended = new Promise((resolve) => response.on('end', resolve));
    while (documents.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    // Each document's precpu_stats are the previous document's cpu_stats.
    expect(documents[1]?.preread).toBe(documents[0]?.read);
    await ok('rm', '-f', name);
    await ended;
  });
});
