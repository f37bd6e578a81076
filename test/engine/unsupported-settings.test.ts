import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';
import { runDocker } from './support.js';

const testEngine = engineForFile();

describe('settings the engine cannot honour', () => {
  it('refuses them at create with what it does instead, and accepts their defaults', async () => {
    const create = (...flags: string[]) =>
      runDocker(testEngine(), ['create', '--network', 'none', ...flags, 'busybox', 'true']);
    const refused: [string[], string][] = [
      [['--uts', 'host'], 'UTS mode "host" is not supported by this engine'],
      [['--cgroupns', 'host'], 'cgroup namespace mode "host" is not supported by this engine'],
      [['--cgroup-parent', '/custom'], 'cgroup parent "/custom" is not supported by this engine'],
      [['--runtime', 'crun'], 'runtime "crun" is not supported by this engine'],
      [['--privileged'], 'privileged containers are not supported by this engine'],
      [['--blkio-weight', '300'], 'BlkioWeight is not supported by this engine'],
      [['--device-read-bps', '/dev/null:1mb'], 'BlkioDeviceReadBps is not supported'],
      [['--gpus', 'all'], 'device requests (GPUs) are not supported by this engine'],
      [['--cpu-rt-runtime', '950'], 'CpuRealtimeRuntime is not supported by this engine'],
    ];
    for (const [flags, message] of refused) {
      const result = await create(...flags);
      expect({ flags, code: result.code, message: result.stderr.includes(message) }).toEqual({
        flags,
        code: 1,
        message: true,
      });
    }
    const accepted = await create('--userns', 'host', '--cgroupns', 'private', '--runtime', 'runc');
    expect(accepted.code).toBe(0);
    await runDocker(testEngine(), ['rm', accepted.stdout.trim()]);
  });
});
