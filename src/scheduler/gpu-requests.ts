/** One entry of HostConfig.DeviceRequests, as the Docker Engine API takes it. */
export interface DeviceRequest {
  Driver?: string;
  /** -1: every device. */
  Count?: number;
  DeviceIDs?: string[];
  Capabilities: string[][];
  Options?: Record<string, string>;
}

type Raw = Record<string, unknown>;

/**
 * A service's `gpus` as device requests, as Docker Compose sends them: `all` is every GPU,
 * and each entry asks for the "gpu" capability besides those it lists.
 */
export function gpuRequests(gpus: unknown): DeviceRequest[] | undefined {
  if (gpus === 'all') return [{ Count: -1, Capabilities: [['gpu']] }];
  if (!Array.isArray(gpus)) return undefined;
  return gpus.map((entry: Raw) => {
    const listed = Array.isArray(entry.capabilities) ? entry.capabilities.map(String) : [];
    const count =
      entry.count === 'all' ? -1 : entry.count === undefined ? undefined : Number(entry.count);
    return {
      Driver: typeof entry.driver === 'string' ? entry.driver : undefined,
      Count: count ?? (entry.device_ids ? undefined : -1),
      DeviceIDs: Array.isArray(entry.device_ids) ? entry.device_ids.map(String) : undefined,
      Capabilities: [[...new Set(['gpu', ...listed])]],
      Options: entry.options as Record<string, string> | undefined,
    };
  });
}
