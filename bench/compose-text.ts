/**
 * A compose file with N services that exercises the loader the way real stacks do:
 * short-syntax ports and volumes, depends_on chains, environment lists, healthchecks,
 * several networks and named volumes, a YAML anchor and merge key.
 */
function service(index: number): string {
  const name = `svc${index}`;
  const dependsOn = index >= 10 ? [`svc${index - 10}`, `svc${index - 7}`] : [];
  const lines = [
    `  ${name}:`,
    '    <<: *defaults',
    `    image: registry.example/app-${index % 17}:1.${index % 5}`,
    `    command: ["serve", "--port", "${3000 + index}", "--name", "${name}"]`,
    '    environment:',
    `      - SERVICE_NAME=${name}`,
    `      - REPLICA_INDEX=${index}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose variable syntax, not a template
    '      - LOG_LEVEL=${LOG_LEVEL:-info}',
    '    ports:',
    `      - "${10000 + index}:${3000 + index}"`,
    `      - "127.0.0.1:${20000 + index * 2}-${20001 + index * 2}:${4000}-${4001}/udp"`,
    '    volumes:',
    `      - data${index % 20}:/var/lib/${name}`,
    `      - ./config/${name}:/etc/${name}:ro`,
    '    networks:',
    `      - net${index % 4}`,
    '    healthcheck:',
    `      test: curl -f http://localhost:${3000 + index}/health`,
    '      interval: 30s',
    '      timeout: 5s',
    '    mem_limit: 256m',
  ];
  if (dependsOn.length > 0) {
    lines.push('    depends_on:', ...dependsOn.map((dependency) => `      - ${dependency}`));
  }
  return lines.join('\n');
}

export function generateComposeText(count: number): string {
  const services = Array.from({ length: count }, (_, index) => service(index));
  const networks = Array.from({ length: 4 }, (_, index) => `  net${index}: {}`);
  const volumes = Array.from({ length: 20 }, (_, index) => `  data${index}: {}`);
  return [
    'name: bench',
    'x-defaults: &defaults',
    '  restart: unless-stopped',
    '  labels:',
    '    com.example.bench: "true"',
    'services:',
    ...services,
    'networks:',
    ...networks,
    'volumes:',
    ...volumes,
    '',
  ].join('\n');
}
