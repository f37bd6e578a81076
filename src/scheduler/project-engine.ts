import { demultiplex, type EngineClient, EngineClientError } from '../engine/client.js';
import { ComposeLabel } from './compose-labels.js';
import type { ContainerCreateBody } from './container-request.js';
import type { ContainerSummary } from './convergence-plan.js';

/** A container as GET /containers/json lists it, with the fields `ps` shows. */
export interface ContainerListing extends ContainerSummary {
  Image: string;
  Command: string;
  Created: number;
  Status: string;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}

/** The parts of GET /containers/{id}/json that orchestration reads. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    Health?: { Status: string };
  };
  Config: { Labels: Record<string, string>; Healthcheck?: { Test?: string[] } };
}

export interface NamedResource {
  Name: string;
  Labels?: Record<string, string> | null;
}

const projectFilter = (project: string, ...more: string[]) => ({
  label: [`${ComposeLabel.project}=${project}`, ...more],
});

/** Undefined for the engine's 404, the error otherwise. */
async function unlessMissing<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof EngineClientError && error.statusCode === 404) return undefined;
    throw error;
  }
}

/**
 * What a compose project needs from an engine, as Docker Engine API calls. Any
 * Docker-compatible engine answers them, ours or another given by DOCKER_HOST.
 */
export class ProjectEngine {
  constructor(readonly client: EngineClient) {}

  containers(project: string): Promise<ContainerListing[]> {
    return this.client.request('GET', '/containers/json', {
      query: { all: 1, filters: projectFilter(project) },
    });
  }

  async createContainer(name: string, body: ContainerCreateBody): Promise<string> {
    const created = await this.client.request<{ Id: string }>('POST', '/containers/create', {
      query: { name },
      body,
    });
    return created.Id;
  }

  async start(id: string): Promise<void> {
    await this.client.request('POST', `/containers/${encodeURIComponent(id)}/start`);
  }

  async stop(id: string, timeoutSeconds?: number): Promise<void> {
    await this.client.request('POST', `/containers/${encodeURIComponent(id)}/stop`, {
      query: { t: timeoutSeconds },
    });
  }

  async kill(id: string, signal?: string): Promise<void> {
    await this.client.request('POST', `/containers/${encodeURIComponent(id)}/kill`, {
      query: { signal },
    });
  }

  async remove(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.client.request('DELETE', `/containers/${encodeURIComponent(id)}`, {
      query: { force: options.force ? 1 : undefined, v: options.volumes ? 1 : undefined },
    });
  }

  inspect(id: string): Promise<ContainerInspect> {
    return this.client.request('GET', `/containers/${encodeURIComponent(id)}/json`);
  }

  /** Blocks until the container is not running; resolves to its exit code. */
  async waitExit(id: string): Promise<number> {
    const result = await this.client.request<{ StatusCode: number }>(
      'POST',
      `/containers/${encodeURIComponent(id)}/wait`,
      { query: { condition: 'not-running' } },
    );
    return result.StatusCode;
  }

  /** The last lines a container printed, stdout and stderr interleaved. */
  async tail(id: string, lines: number): Promise<string> {
    const stream = await this.client.stream('GET', `/containers/${encodeURIComponent(id)}/logs`, {
      query: { stdout: 1, stderr: 1, tail: lines },
    });
    const chunks: Buffer[] = [];
    await demultiplex(stream, (_stream, payload) => chunks.push(payload));
    return Buffer.concat(chunks).toString('utf8');
  }

  network(name: string): Promise<NamedResource | undefined> {
    return unlessMissing(this.client.request('GET', `/networks/${encodeURIComponent(name)}`));
  }

  networks(project: string): Promise<NamedResource[]> {
    return this.client.request('GET', '/networks', { query: { filters: projectFilter(project) } });
  }

  async createNetwork(body: Record<string, unknown>): Promise<void> {
    await this.client.request('POST', '/networks/create', { body });
  }

  async removeNetwork(name: string): Promise<void> {
    await this.client.request('DELETE', `/networks/${encodeURIComponent(name)}`);
  }

  volume(name: string): Promise<NamedResource | undefined> {
    return unlessMissing(this.client.request('GET', `/volumes/${encodeURIComponent(name)}`));
  }

  async volumes(project: string): Promise<NamedResource[]> {
    const listed = await this.client.request<{ Volumes: NamedResource[] | null }>(
      'GET',
      '/volumes',
      {
        query: { filters: projectFilter(project) },
      },
    );
    return listed.Volumes ?? [];
  }

  async createVolume(body: Record<string, unknown>): Promise<void> {
    await this.client.request('POST', '/volumes/create', { body });
  }

  async removeVolume(name: string): Promise<void> {
    await this.client.request('DELETE', `/volumes/${encodeURIComponent(name)}`);
  }
}
