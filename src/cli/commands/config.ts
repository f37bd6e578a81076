import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Project } from '../../compose/model.js';
import type { ConfigFormat } from '../../compose/serialize.js';
import { writeOutput } from '../write-output.js';

interface ConfigOptions {
  format: string;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  quiet?: boolean;
  interpolate: boolean;
  output?: string;
}

function lines(items: string[]): string {
  return items.map((item) => `${item}\n`).join('');
}

/** Every profile any service names, enabled or not. */
function allProfiles(project: Project): string[] {
  const services = [...Object.values(project.services), ...Object.values(project.disabledServices)];
  return [...new Set(services.flatMap((service) => service.profiles ?? []))].sort();
}

/** The image each service runs: its `image`, else the name Compose gives a built one. */
function serviceImages(project: Project): string[] {
  return Object.keys(project.services)
    .sort()
    .map((name) => project.services[name].image ?? `${project.name}-${name}`);
}

async function configText(project: Project, options: ConfigOptions): Promise<string> {
  if (options.services) return lines(Object.keys(project.services).sort());
  if (options.volumes) return lines(Object.keys(project.volumes).sort());
  if (options.networks) return lines(Object.keys(project.networks).sort());
  if (options.profiles) return lines(allProfiles(project));
  if (options.images) return lines(serviceImages(project));
  const { serializeProject } = await import('../../compose/serialize.js');
  return serializeProject(project, options.format as ConfigFormat);
}

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('parse, resolve and render the compose files in canonical form')
    .argument('[services...]', 'only these services and their dependencies')
    .option('--format <format>', 'output format: yaml or json', 'yaml')
    .option('--services', 'print the service names, one per line')
    .option('--volumes', 'print the volume names, one per line')
    .option('--networks', 'print the network names, one per line')
    .option('--profiles', 'print the profile names, one per line')
    .option('--images', 'print the image names, one per line')
    .option('-q, --quiet', 'only validate the configuration, print nothing')
    .option('--no-interpolate', "don't interpolate environment variables")
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (services: string[], options: ConfigOptions, command: Command) => {
      if (options.format !== 'yaml' && options.format !== 'json') {
        throw new Error(`unsupported format "${options.format}": use yaml or json`);
      }
      // The loader (yaml and every stage) loads only for the commands that read a project.
      const [{ selectServices }, { projectFromOptions }] = await Promise.all([
        import('../../compose/select-services.js'),
        import('../project-from-options.js'),
      ]);
      const project = selectServices(
        projectFromOptions(command, { services, interpolate: options.interpolate }),
        services,
      );
      if (options.quiet) return;
      const text = await configText(project, options);
      if (options.output) writeFileSync(options.output, text);
      else writeOutput(text);
    });
}
