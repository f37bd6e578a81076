import { badParameter } from '../../errors/engine-error.js';
import type { ContainerConfig, HostConfig } from './model.js';

/**
 * Checks the types of a container create request field by field, so a wrong type is a
 * 400 naming the field instead of a crash deep inside the engine.
 */
type Check = (value: unknown, field: string) => void;

const fail = (field: string, expected: string): never => {
  throw badParameter(`invalid container config: ${field} must be ${expected}`);
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const string: Check = (value, field) => {
  if (typeof value !== 'string') fail(field, 'a string');
};
const boolean: Check = (value, field) => {
  if (typeof value !== 'boolean') fail(field, 'a boolean');
};
const integer: Check = (value, field) => {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(field, 'an integer');
};
const stringList: Check = (value, field) => {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    fail(field, 'a list of strings');
  }
};
const stringMap: Check = (value, field) => {
  if (!isObject(value) || Object.values(value).some((entry) => typeof entry !== 'string')) {
    fail(field, 'an object of strings');
  }
};
const object: Check = (value, field) => {
  if (!isObject(value)) fail(field, 'an object');
};
const list: Check = (value, field) => {
  if (!Array.isArray(value)) fail(field, 'a list');
};

function checkFields(
  value: Record<string, unknown>,
  prefix: string,
  checks: Record<string, Check>,
) {
  for (const [key, check] of Object.entries(checks)) {
    const field = value[key];
    if (field !== undefined && field !== null) check(field, `${prefix}${key}`);
  }
}

const configChecks: Record<string, Check> = {
  Hostname: string,
  Domainname: string,
  User: string,
  AttachStdin: boolean,
  AttachStdout: boolean,
  AttachStderr: boolean,
  ExposedPorts: object,
  Tty: boolean,
  OpenStdin: boolean,
  StdinOnce: boolean,
  Env: stringList,
  Cmd: stringList,
  Healthcheck: object,
  Image: string,
  Volumes: object,
  WorkingDir: string,
  Entrypoint: stringList,
  Labels: stringMap,
  StopSignal: string,
  StopTimeout: integer,
};

const hostConfigChecks: Record<string, Check> = {
  Binds: stringList,
  Mounts: list,
  Devices: list,
  DeviceCgroupRules: stringList,
  Tmpfs: stringMap,
  PortBindings: object,
  RestartPolicy: object,
  AutoRemove: boolean,
  Memory: integer,
  MemorySwap: integer,
  MemoryReservation: integer,
  NanoCpus: integer,
  CpusetCpus: string,
  CpusetMems: string,
  CpuShares: integer,
  CpuPeriod: integer,
  CpuQuota: integer,
  PidsLimit: integer,
  CapAdd: stringList,
  CapDrop: stringList,
  Privileged: boolean,
  UTSMode: string,
  UsernsMode: string,
  CgroupnsMode: string,
  CgroupParent: string,
  Runtime: string,
  StorageOpt: stringMap,
  Isolation: string,
  ReadonlyRootfs: boolean,
  Init: boolean,
  ExtraHosts: stringList,
  Dns: stringList,
  DnsSearch: stringList,
  DnsOptions: stringList,
  NetworkMode: string,
  LogConfig: object,
  Ulimits: list,
  ShmSize: integer,
  Sysctls: stringMap,
  GroupAdd: stringList,
  OomScoreAdj: integer,
  SecurityOpt: stringList,
};

const healthChecks: Record<string, Check> = {
  Test: stringList,
  Interval: integer,
  Timeout: integer,
  Retries: integer,
  StartPeriod: integer,
  StartInterval: integer,
};

/** Docker accepts a single string where a command list is expected (Cmd, Entrypoint). */
function normaliseCommand(value: unknown): unknown {
  return typeof value === 'string' ? [value] : value;
}

/** Go clients send absent fields as null; the engine treats null as absent. */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== null));
}

export interface CreateRequest {
  config: ContainerConfig;
  hostConfig: HostConfig;
  networkingConfig: { EndpointsConfig?: Record<string, object> };
}

export function validateCreateRequest(body: unknown): CreateRequest {
  if (!isObject(body))
    throw badParameter('invalid container config: the body must be a JSON object');
  const { HostConfig: hostConfig = {}, NetworkingConfig: networkingConfig = {}, ...rest } = body;
  const config = withoutNulls(rest);
  config.Cmd = normaliseCommand(config.Cmd);
  config.Entrypoint = normaliseCommand(config.Entrypoint);
  checkFields(config, '', configChecks);
  if (isObject(config.Healthcheck)) checkFields(config.Healthcheck, 'Healthcheck.', healthChecks);
  if (hostConfig !== null) object(hostConfig, 'HostConfig');
  const host = withoutNulls((hostConfig ?? {}) as Record<string, unknown>);
  checkFields(host, 'HostConfig.', hostConfigChecks);
  if (isObject(host.RestartPolicy)) {
    checkFields(host.RestartPolicy, 'HostConfig.RestartPolicy.', {
      Name: string,
      MaximumRetryCount: integer,
    });
  }
  if (Array.isArray(host.Mounts)) {
    host.Mounts.forEach((mount, index) => {
      object(mount, `HostConfig.Mounts[${index}]`);
      checkFields(mount as Record<string, unknown>, `HostConfig.Mounts[${index}].`, {
        Type: string,
        Source: string,
        Target: string,
        ReadOnly: boolean,
      });
    });
  }
  if (networkingConfig !== null) object(networkingConfig, 'NetworkingConfig');
  if (typeof config.Image !== 'string' || config.Image === '') {
    throw badParameter('invalid container config: Image is required');
  }
  return {
    config: config as ContainerConfig,
    hostConfig: host as HostConfig,
    networkingConfig: (networkingConfig ?? {}) as CreateRequest['networkingConfig'],
  };
}

/** Docker's name pattern, except that one-character names are accepted too. */
export const validContainerName = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
