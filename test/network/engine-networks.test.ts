import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns } from '../../src/network/netns.js';
import {
  runDocker,
  startEngineWithBusybox,
  stopWithoutLeaks,
  type TestEngine,
} from '../engine/support.js';

/** Network events and connect/disconnect of an engine, through the real docker CLI. */
const suffix = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
let engine: TestEngine;

async function ok(...args: string[]): Promise<string> {
  const result = await runDocker(engine, args);
  expect({ args, code: result.code, stderr: result.stderr }).toEqual({
    args,
    code: 0,
    stderr: result.code === 0 ? result.stderr : '',
  });
  return result.stdout.trim();
}

interface EventJson {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

async function events(since: number, ...filters: string[]): Promise<EventJson[]> {
  const until = String(Math.ceil(Date.now() / 1000) + 1);
  const args = ['events', '--since', String(since), '--until', until, '--format', '{{json .}}'];
  const output = await ok(...args, ...filters.flatMap((filter) => ['--filter', filter]));
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

interface Inspected {
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

const inspect = async (name: string) => JSON.parse(await ok('inspect', name))[0] as Inspected;

beforeAll(async () => {
  engine = await startEngineWithBusybox();
});

/** Ids of this engine's networks, whose firewall rules must be gone once it stopped. */
const networkIds = new Set<string>();

afterAll(async () => {
  const listed = await ok('network', 'ls', '--no-trunc', '--format', '{{.ID}}');
  for (const id of listed.split('\n')) networkIds.add(id);
  await stopWithoutLeaks(engine);
  const rules = execFileSync('iptables-save', { encoding: 'utf8' });
  expect([...networkIds].filter((id) => rules.includes(`tcompose:${id.slice(0, 12)}`))).toEqual([]);
});

describe('network events', () => {
  it('sends create, connect, disconnect and destroy as Docker does, filtered by type and network', async () => {
    const since = Math.floor(Date.now() / 1000);
    const net = `evnet${suffix}`;
    const container = `evc${suffix}`;
    const networkId = await ok('network', 'create', net);
    const bridgeId = JSON.parse(await ok('network', 'inspect', 'bridge'))[0].Id as string;
    networkIds.add(networkId);
    // While the engine runs, its networks are kept apart from our other bridges.
    expect(execFileSync('iptables-save', { encoding: 'utf8' })).toContain(
      `--comment "tcompose:${networkId.slice(0, 12)}:${net}"`,
    );
    const containerId = await ok(
      'run',
      '-d',
      '--name',
      container,
      '--network',
      net,
      'busybox',
      'sleep',
      '1000',
    );
    await ok('network', 'connect', 'bridge', container);
    await ok('network', 'disconnect', 'bridge', container);
    await ok('rm', '-f', container);
    await ok('network', 'rm', net);

    const seen = await events(since, 'type=network');
    expect(seen.every((event) => event.Type === 'network')).toBe(true);
    expect(seen.map((event) => [event.Action, event.Actor.ID, event.Actor.Attributes])).toEqual([
      ['create', networkId, { name: net, type: 'bridge' }],
      ['connect', networkId, { name: net, type: 'bridge', container: containerId }],
      ['connect', bridgeId, { name: 'bridge', type: 'bridge', container: containerId }],
      ['disconnect', bridgeId, { name: 'bridge', type: 'bridge', container: containerId }],
      ['disconnect', networkId, { name: net, type: 'bridge', container: containerId }],
      ['destroy', networkId, { name: net, type: 'bridge' }],
    ]);
    const byName = await events(since, 'type=network', `network=${net}`);
    expect(byName.map((event) => event.Action)).toEqual([
      'create',
      'connect',
      'disconnect',
      'destroy',
    ]);
  });
});

describe('disconnecting the network of the mode', () => {
  it('keeps HostConfig.NetworkMode, and the network stays off at the next start until connected', async () => {
    const net = `modenet${suffix}`;
    const container = `modec${suffix}`;
    await ok('network', 'create', net);
    await ok('run', '-d', '--name', container, '--network', net, 'busybox', 'sleep', '1000');
    await ok('network', 'disconnect', net, container);
    let inspected = await inspect(container);
    expect(inspected.HostConfig.NetworkMode).toBe(net);
    expect(Object.keys(inspected.NetworkSettings.Networks)).toEqual([]);

    await ok('restart', '-t', '0', container);
    inspected = await inspect(container);
    expect(inspected.HostConfig.NetworkMode).toBe(net);
    expect(Object.keys(inspected.NetworkSettings.Networks)).toEqual([]);
    expect(await ok('exec', container, 'ip', '-o', 'link')).not.toContain('eth0');

    await ok('network', 'connect', net, container);
    inspected = await inspect(container);
    expect(Object.keys(inspected.NetworkSettings.Networks)).toEqual([net]);
    await ok('restart', '-t', '0', container);
    const address = (await inspect(container)).NetworkSettings.Networks[net].IPAddress;
    expect(await ok('exec', container, 'ip', '-o', '-4', 'addr')).toContain(
      `eth0    inet ${address}/`,
    );
    await ok('rm', '-f', container);
    await ok('network', 'rm', net);
  });
});

describe('a namespace a crash left behind', () => {
  it('is replaced when its container starts, mounted or not', async () => {
    const container = `stalec${suffix}`;
    const id = await ok('create', '--name', container, 'busybox', 'sleep', '1000');
    const path = join(engine.root, 'run', 'netns', id.slice(0, 12));
    await createNetns(path);
    await ok('start', container);
    const address = (await inspect(container)).NetworkSettings.Networks.bridge.IPAddress;
    expect(await ok('exec', container, 'ip', '-o', '-4', 'addr')).toContain(`inet ${address}/`);
    await ok('stop', '-t', '0', container);
    expect(existsSync(path)).toBe(false);

    await writeFile(path, '');
    await ok('start', container);
    expect(await ok('exec', container, 'ip', '-o', 'link')).toContain('eth0');
    await ok('rm', '-f', container);
    expect(existsSync(path)).toBe(false);
  });
});
