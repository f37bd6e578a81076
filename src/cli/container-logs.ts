import { demultiplex } from '../engine/client.js';
import { ComposeLabel } from '../scheduler/compose-labels.js';
import type { ContainerListing, ProjectEngine } from '../scheduler/project-engine.js';
import type { LogPrinter } from './log-printer.js';

export interface LogQuery {
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  since?: number;
  until?: number;
}

/** How Compose names a container in log prefixes: `web-1`, or its container_name. */
export function logSource(container: ContainerListing, project: string): string {
  const name = (container.Names[0] ?? container.Id).replace(/^\//, '');
  const service = container.Labels[ComposeLabel.service];
  const number = container.Labels[ComposeLabel.containerNumber];
  return name === `${project}-${service}-${number}` ? `${service}-${number}` : name;
}

/** Streams the logs of each container through the printer until every stream ends. */
export async function streamLogs(
  engine: ProjectEngine,
  sources: { id: string; source: string }[],
  printer: LogPrinter,
  query: LogQuery,
): Promise<void> {
  await Promise.all(
    sources.map(async ({ id, source }) => {
      const stream = await engine.client.stream(
        'GET',
        `/containers/${encodeURIComponent(id)}/logs`,
        {
          query: {
            stdout: 1,
            stderr: 1,
            follow: query.follow ? 1 : undefined,
            tail: query.tail,
            timestamps: query.timestamps ? 1 : undefined,
            since: query.since,
            until: query.until,
          },
        },
      );
      await demultiplex(stream, (_stream, payload) =>
        printer.chunk(source, payload.toString('utf8')),
      );
      printer.end(source);
    }),
  );
}
