import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, up } from '../../src/index.js';
import {
  repo,
  startEngineWithBusybox,
  stopTestEngine,
  type TestEngine,
} from '../engine/support.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startEngineWithBusybox();
});

afterAll(async () => {
  const leaks = await stopTestEngine(engine);
  expect(leaks).toEqual({ processes: [], mounts: [], cgroups: [], bridges: [] });
});

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

it('brings examples/test-env up healthy for a test suite and down again, as a library', async () => {
  const target = {
    workingDir: join(repo, 'examples/test-env'),
    projectName: 'libapi',
    host: `unix://${engine.socket}`,
  };
  const events: string[] = [];
  const running = await up({
    ...target,
    wait: true,
    onProgress: (e) => events.push(`${e.name} ${e.status}`),
  });
  expect(running.containers).toEqual({ kv: ['libapi-kv-1'] });
  expect(events).toContain('libapi-kv-1 Started');

  const inspect = await engine.client.request<{
    State: { Health: { Status: string } };
    NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[]> };
  }>('GET', '/containers/libapi-kv-1/json');
  expect(inspect.State.Health.Status).toBe('healthy');
  const [binding] = inspect.NetworkSettings.Ports['7000/tcp'];
  expect(binding.HostIp).toBe('127.0.0.1');
  expect(await httpGet(Number(binding.HostPort), '/ping')).toBe('pong\n');

  await down({ ...target, timeout: 0 });
  const left = await engine.client.request<unknown[]>('GET', '/containers/json', {
    query: { all: 1, filters: { label: ['com.docker.compose.project=libapi'] } },
  });
  expect(left).toEqual([]);
  const networks = await engine.client.request<{ Name: string }[]>('GET', '/networks');
  expect(networks.map((network) => network.Name)).not.toContain('libapi_default');
});
