import { badParameter } from '../../errors/engine-error.js';
import type { HostConfig } from './model.js';

const isEmpty = (value: unknown) => !value || (Array.isArray(value) && value.length === 0);

/** The block IO settings: tcrun sets no blkio limits. */
const BLOCK_IO = [
  'BlkioWeight',
  'BlkioWeightDevice',
  'BlkioDeviceReadBps',
  'BlkioDeviceWriteBps',
  'BlkioDeviceReadIOps',
  'BlkioDeviceWriteIOps',
] as const;

/**
 * Settings this engine cannot honour, each with what it accepts. A container created with
 * one of them would run other than asked; refusing it at create says so plainly instead.
 */
const UNSUPPORTED: {
  field: keyof HostConfig;
  accepts: (value: unknown) => boolean;
  why: (value: unknown) => string;
}[] = [
  {
    field: 'Privileged',
    accepts: (value) => value !== true,
    why: () => 'privileged containers are not supported by this engine',
  },
  {
    field: 'UTSMode',
    accepts: (value) => !value,
    why: (value) =>
      `UTS mode "${value}" is not supported by this engine: every container has a UTS namespace of its own`,
  },
  {
    field: 'UsernsMode',
    accepts: (value) => !value || value === 'host',
    why: (value) => `user namespace mode "${value}" is not supported by this engine`,
  },
  {
    field: 'CgroupnsMode',
    accepts: (value) => !value || value === 'private',
    why: (value) =>
      `cgroup namespace mode "${value}" is not supported by this engine: every container has a private one`,
  },
  {
    field: 'CgroupParent',
    accepts: (value) => !value,
    why: (value) =>
      `cgroup parent "${value}" is not supported by this engine: containers live under /tcompose`,
  },
  {
    field: 'Runtime',
    accepts: (value) => !value || value === 'runc',
    why: (value) =>
      `runtime "${value}" is not supported by this engine: tcrun runs every container`,
  },
  {
    field: 'StorageOpt',
    accepts: (value) => !value || Object.keys(value as object).length === 0,
    why: () =>
      '--storage-opt is not supported by this engine (overlay on the data root, no quotas)',
  },
  {
    field: 'Isolation',
    accepts: (value) => !value || value === 'default',
    why: (value) => `invalid isolation: "${value}" on linux`,
  },
  ...BLOCK_IO.map((field) => ({
    field,
    accepts: isEmpty,
    why: () => `${field} is not supported by this engine: it sets no block IO limits`,
  })),
  {
    field: 'DeviceRequests',
    accepts: isEmpty,
    why: () => 'device requests (GPUs) are not supported by this engine: it has no device drivers',
  },
  ...(['CpuRealtimePeriod', 'CpuRealtimeRuntime'] as const).map((field) => ({
    field,
    accepts: isEmpty,
    why: () => `${field} is not supported by this engine: it sets no real-time CPU budget`,
  })),
];

/** Refuses a create whose HostConfig asks for something the engine cannot do. */
export function refuseUnsupported(hostConfig: HostConfig): void {
  for (const { field, accepts, why } of UNSUPPORTED) {
    const value = hostConfig[field];
    if (!accepts(value)) throw badParameter(why(value));
  }
}
