import { readFileSync } from 'node:fs';

const names: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU',
  'Max file size': 'RLIMIT_FSIZE',
  'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK',
  'Max core file size': 'RLIMIT_CORE',
  'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC',
  'Max open files': 'RLIMIT_NOFILE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS',
  'Max file locks': 'RLIMIT_LOCKS',
  'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE',
  'Max nice priority': 'RLIMIT_NICE',
  'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

let cached: Record<string, number> | undefined;

/** The engine's own hard rlimits (finite ones): a container cannot be given more. */
export function hardLimits(): Record<string, number> {
  if (cached) return cached;
  const limits: Record<string, number> = {};
  for (const line of readFileSync('/proc/self/limits', 'utf8').split('\n').slice(1)) {
    const name = Object.keys(names).find((candidate) => line.startsWith(candidate));
    if (!name) continue;
    const [, hard] = line.slice(26).trim().split(/\s+/);
    if (hard && /^\d+$/.test(hard)) limits[names[name] as string] = Number(hard);
  }
  cached = limits;
  return limits;
}
