import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineWithBusybox, stopWithoutLeaks, type TestEngine } from './support.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startEngineWithBusybox();
});

afterAll(() => stopWithoutLeaks(engine));

interface Inspect {
  Id: string;
  RestartCount: number;
  State: { Running: boolean; Status: string; Pid: number; ExitCode: number };
}

async function run(name: string, cmd: string[], restart = 'no'): Promise<string> {
  const { Id } = await engine.client.request<{ Id: string }>('POST', '/containers/create', {
    query: { name },
    body: { Image: 'busybox', Cmd: cmd, HostConfig: { RestartPolicy: { Name: restart } } },
  });
  await engine.client.request('POST', `/containers/${Id}/start`);
  return Id;
}

const inspect = (name: string) => engine.client.request<Inspect>('GET', `/containers/${name}/json`);

async function logs(name: string): Promise<string> {
  const response = await engine.client.stream('GET', `/containers/${name}/logs`, {
    query: { stdout: 1 },
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const framed = Buffer.concat(chunks);
  let text = '';
  for (let at = 0; at + 8 <= framed.length; ) {
    const length = framed.readUInt32BE(at + 4);
    text += framed.subarray(at + 8, at + 8 + length).toString();
    at += 8 + length;
  }
  return text;
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  let value = await probe();
  for (let attempt = 0; attempt < 100 && !accept(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await probe();
  }
  return value;
}

describe('a daemon killed with SIGKILL', () => {
  it('finds its containers running, their logs intact, and stops them after restarting', async () => {
    await run('ticker', [
      'sh',
      '-c',
      'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done',
    ]);
    await run('sleeper', ['sleep', '1000']);
    await run('phoenix', ['sleep', '1000'], 'always');
    const before = await eventually(
      () => logs('ticker'),
      (text) => text.includes('tick 3\n'),
    );
    const sleeperPid = (await inspect('sleeper')).State.Pid;
    const phoenixPid = (await inspect('phoenix')).State.Pid;

    await engine.kill('SIGKILL');
    // While the engine is away: the containers keep running; two of them die.
    process.kill(sleeperPid, 0);
    process.kill(sleeperPid, 'SIGKILL');
    process.kill(phoenixPid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await engine.restart();

    expect((await inspect('ticker')).State).toMatchObject({ Running: true, Status: 'running' });
    const after = await eventually(
      () => logs('ticker'),
      (text) => text.length > before.length + 20,
    );
    expect(after.startsWith(before)).toBe(true);
    expect((await inspect('sleeper')).State).toMatchObject({
      Running: false,
      Status: 'exited',
      ExitCode: 137,
    });
    const phoenix = await eventually(
      () => inspect('phoenix'),
      (state) => state.State.Running,
    );
    expect(phoenix.State.Running).toBe(true);
    expect(phoenix.RestartCount).toBe(1);
    expect(phoenix.State.Pid).not.toBe(phoenixPid);

    await engine.client.request('POST', '/containers/ticker/stop', { query: { t: 1 } });
    expect((await inspect('ticker')).State).toMatchObject({ Running: false, ExitCode: 137 });
    await engine.client.request('POST', '/containers/phoenix/stop', { query: { t: 1 } });
    expect((await inspect('phoenix')).State.Running).toBe(false);
  });
});
