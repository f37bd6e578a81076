import { describe, expect, it } from 'vitest';
import {
  parseBlkioV1,
  parseIoStatV2,
  parseKeyedValues,
} from '../../src/engine/stats/cgroup-counters.js';
import { parseNetDev, parseProcStat } from '../../src/engine/stats/host-counters.js';
import { statsDocument } from '../../src/engine/stats/stats-document.js';

describe('stats parsing', () => {
  it('reads keyed values, v1 blkio and v2 io.stat as Docker reports them', () => {
    expect(parseKeyedValues('cache 4096\nrss 53248\n\n')).toEqual({ cache: 4096, rss: 53248 });
    expect(parseBlkioV1('8:0 Read 4096\n8:0 Write 0\n8:0 Total 4096\nTotal 4096\n')).toEqual([
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 0 },
      { major: 8, minor: 0, op: 'Total', value: 4096 },
    ]);
    expect(parseIoStatV2('253:0 rbytes=8192 wbytes=512 rios=2 wios=1 dbytes=0 dios=0\n')).toEqual([
      { major: 253, minor: 0, op: 'read', value: 8192 },
      { major: 253, minor: 0, op: 'write', value: 512 },
    ]);
  });

  it('reads the host CPU time in nanoseconds and the interfaces but loopback', () => {
    const stat =
      'cpu  100 0 50 800 10 0 5 35 7 0\ncpu0 50 0 25 400 5 0 2 18 0 0\ncpu1 50 0 25 400 5 0 3 17 0 0\nintr 1\n';
    // user..steal (100+0+50+800+10+0+5+35 ticks) at 100 ticks a second; guest is inside user.
    expect(parseProcStat(stat)).toEqual({ systemUsage: 1000 * 1e7, onlineCpus: 2 });
    const netDev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:      10       1    0    0    0     0          0         0       10       1    0    0    0     0       0          0',
      '  eth0:    2828      34    1    2    0     0          0         0      796      10    3    4    0     0       0          0',
    ].join('\n');
    expect(parseNetDev(netDev)).toEqual({
      eth0: {
        rx_bytes: 2828,
        rx_packets: 34,
        rx_errors: 1,
        rx_dropped: 2,
        tx_bytes: 796,
        tx_packets: 10,
        tx_errors: 3,
        tx_dropped: 4,
      },
    });
  });

  it('caps an unlimited memory limit at the machine memory', () => {
    const cgroup = {
      cpuTotal: 5,
      cpuPerCpu: [],
      cpuUser: 0,
      cpuKernel: 0,
      memoryUsage: 100,
      memoryStats: {},
      pids: 1,
      blockIo: [],
    };
    const sample = { read: new Date(0), cgroup, systemUsage: 10, onlineCpus: 2 };
    const document = statsDocument({ Id: 'x', Name: '/x' }, sample, undefined, 1000);
    expect(document.memory_stats).toEqual({ usage: 100, stats: {}, limit: 1000 });
    expect(document.precpu_stats).toEqual({
      cpu_usage: { total_usage: 0 },
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    });
    expect(document.cpu_stats).not.toHaveProperty('cpu_usage.percpu_usage');
  });
});
