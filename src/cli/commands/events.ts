import type { Command } from 'commander';
import { ComposeLabel } from '../../scheduler/compose-labels.js';

interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

/** `2024-01-01 10:00:00.000000000 container start 3f2a… (name=demo-web-1, …)`, as Compose prints events. */
export function formatEvent(event: EngineEvent): string {
  const time = new Date(Math.floor(event.timeNano / 1e6))
    .toISOString()
    .replace('T', ' ')
    .replace('Z', '');
  const attributes = Object.entries(event.Actor.Attributes)
    .filter(([key]) => !key.startsWith('com.docker.compose.'))
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return `${time} ${event.Type} ${event.Action} ${event.Actor.ID} (${attributes})\n`;
}

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description("stream the engine events of the project's containers")
    .argument('[services...]', 'only these services')
    .option('--json', 'one JSON object per line')
    .action(async (services: string[], flags: { json?: boolean }, command: Command) => {
      const [{ connectProjectEngine }, { projectFromOptions }] = await Promise.all([
        import('../project-engine-connection.js'),
        import('../project-from-options.js'),
      ]);
      const project = projectFromOptions(command, { services });
      const engine = await connectProjectEngine(command);
      const labels = [`${ComposeLabel.project}=${project.name}`];
      const stream = await engine.client.stream('GET', '/events', {
        query: { filters: { type: ['container'], label: labels } },
      });
      let buffered = '';
      for await (const chunk of stream) {
        const lines = (buffered + String(chunk)).split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines.filter(Boolean)) {
          const event = JSON.parse(line) as EngineEvent;
          const service = event.Actor.Attributes[ComposeLabel.service];
          if (services.length > 0 && !services.includes(service)) continue;
          process.stdout.write(flags.json ? `${line}\n` : formatEvent(event));
        }
      }
    });
}
