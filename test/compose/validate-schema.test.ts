import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ComposeError, formatComposeError } from '../../src/compose/errors.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { validatorSource } from '../../src/compose/schema-compiler.js';
import type { SourceLocator } from '../../src/compose/source-map.js';
import { VALIDATOR_URL, validateSchema } from '../../src/compose/validate-schema.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const SCHEMA = new URL('../../schema/compose-spec.json', import.meta.url);

function fixtureNames(kind: 'valid' | 'invalid'): string[] {
  return readdirSync(new URL(`${kind}/`, FIXTURES)).sort();
}

/** The error validateSchema throws for a fixture, rendered as the CLI renders it. */
function schemaErrorOf(kind: 'valid' | 'invalid', name: string): string | undefined {
  const text = readFileSync(new URL(`${kind}/${name}`, FIXTURES), 'utf8');
  const { value, locate } = parseComposeYaml(text, name);
  try {
    validateSchema(value, locate);
    return undefined;
  } catch (error) {
    if (error instanceof ComposeError) return formatComposeError(error);
    throw error;
  }
}

const INVALID: Record<string, string> = {
  'top-level-typo.yaml':
    "top-level-typo.yaml:1:1: service: unknown field 'service' (did you mean 'services'?)",
  'service-unknown-field.yaml':
    "service-unknown-field.yaml:4:5: services.web.prots: unknown field 'prots' (did you mean 'ports'?)",
  // 'mem' begins three fields and is near none: no guess is better than a wrong one.
  'unknown-field-ambiguous.yaml':
    "unknown-field-ambiguous.yaml:4:10: services.web.mem: unknown field 'mem'",
  'healthcheck-unknown-field.yaml':
    "healthcheck-unknown-field.yaml:6:18: services.db.healthcheck.intervall: unknown field 'intervall' (did you mean 'interval'?)",
  'deploy-resources-unknown-field.yaml':
    "deploy-resources-unknown-field.yaml:6:9: services.api.deploy.resources.limit: unknown field 'limit' (did you mean 'limits'?)",
  'build-unknown-field.yaml':
    "build-unknown-field.yaml:5:18: services.app.build.dockerfil: unknown field 'dockerfil' (did you mean 'dockerfile'?)",
  'logging-unknown-field.yaml':
    "logging-unknown-field.yaml:6:7: services.app.logging.option: unknown field 'option' (did you mean 'options'?)",
  'ulimits-unknown-name.yaml':
    "ulimits-unknown-name.yaml:5:16: services.app.ulimits.nofiles: unknown field 'nofiles' (did you mean 'nofile'?)",
  'ulimits-missing-hard.yaml':
    "ulimits-missing-hard.yaml:5:7: services.app.ulimits.nofile: missing required field 'hard'",
  'service-network-unknown-field.yaml':
    "service-network-unknown-field.yaml:6:9: services.app.networks.front.alias: unknown field 'alias' (did you mean 'aliases'?)",
  'network-unknown-field.yaml':
    "network-unknown-field.yaml:6:14: networks.back.driverr: unknown field 'driverr' (did you mean 'driver'?)",
  'placement-preference-typo.yaml':
    "placement-preference-typo.yaml:7:20: services.web.deploy.placement.preferences[0].spred: unknown field 'spred' (did you mean 'spread'?)",
  'blkio-unknown-field.yaml':
    "blkio-unknown-field.yaml:7:18: services.db.blkio_config.device_read_bps[0].rates: unknown field 'rates' (did you mean 'rate'?)",
  'include-unknown-field.yaml':
    "include-unknown-field.yaml:3:23: include[0].projectdirectory: unknown field 'projectdirectory' (did you mean 'project_directory'?)",
  'secret-unknown-field.yaml':
    "secret-unknown-field.yaml:6:10: secrets.token.fil: unknown field 'fil' (did you mean 'file'?)",
  'external-volume-bad-field.yaml':
    "external-volume-bad-field.yaml:7:12: volumes.data.external.nme: unknown field 'nme' (did you mean 'name'?)",
  'gpus-unknown-field.yaml':
    "gpus-unknown-field.yaml:6:22: services.trainer.gpus[0].capabilitis: unknown field 'capabilitis' (did you mean 'capabilities'?)",
  'ports-as-mapping.yaml': 'ports-as-mapping.yaml:4:5: services.web.ports: must be a list',
  'environment-number.yaml':
    'environment-number.yaml:4:18: services.web.environment: must be a mapping or a list',
  'restart-as-list.yaml': 'restart-as-list.yaml:4:5: services.web.restart: must be a string',
  'version-number.yaml': 'version-number.yaml:1:10: version: must be a string (quote it: "3.8")',
  'services-not-mapping.yaml': 'services-not-mapping.yaml:1:1: services: must be a mapping',
  'command-mapping.yaml':
    'command-mapping.yaml:4:5: services.web.command: must be a string or a list',
  'api-socket-string.yaml':
    'api-socket-string.yaml:4:21: services.ci.use_api_socket: must be a boolean',
  'config-grant-numeric-uid.yaml':
    'config-grant-numeric-uid.yaml:7:14: services.web.configs[0].uid: must be a string',
  'healthcheck-interval-number.yaml':
    'healthcheck-interval-number.yaml:6:17: services.db.healthcheck.interval: must be a duration such as "30s" or "1m30s"',
  'extra-hosts-nested-mapping.yaml':
    'extra-hosts-nested-mapping.yaml:6:7: services.web.extra_hosts.cache: must be a string or a list',
  'port-boolean.yaml':
    'port-boolean.yaml:6:9: services.web.ports[1]: must be a port number, a string such as "8080:80/tcp" or a mapping (long syntax: target, published, ...)',
  'port-long-unknown-field.yaml':
    "port-long-unknown-field.yaml:6:19: services.web.ports[0].publised: unknown field 'publised' (did you mean 'published'?)",
  'duplicate-port.yaml':
    'duplicate-port.yaml:7:9: services.web.ports[2]: duplicate entry (the same as [0])',
  'volume-long-bad-type.yaml':
    'volume-long-bad-type.yaml:5:15: services.web.volumes[0].type: must be one of "volume", "bind", "tmpfs", "image", "npipe", "cluster"',
  'volume-long-missing-type.yaml':
    "volume-long-missing-type.yaml:5:9: services.web.volumes[0]: missing required field 'type'",
  'volume-long-unknown-field.yaml':
    "volume-long-unknown-field.yaml:8:19: services.web.volumes[0].readonly: unknown field 'readonly' (did you mean 'read_only'?)",
  'volume-bind-selinux.yaml':
    'volume-bind-selinux.yaml:9:20: services.web.volumes[0].bind.selinux: must be one of "z", "Z"',
  'tmpfs-negative-size.yaml':
    'tmpfs-negative-size.yaml:8:17: services.web.volumes[0].tmpfs.size: must be >= 0',
  'depends-on-bad-condition.yaml':
    'depends-on-bad-condition.yaml:6:20: services.web.depends_on.db.condition: must be one of "service_started", "service_healthy", "service_completed_successfully"',
  'depends-on-missing-condition.yaml':
    "depends-on-missing-condition.yaml:5:7: services.web.depends_on.db: missing required field 'condition'",
  'cgroup-bad-value.yaml':
    'cgroup-bad-value.yaml:4:13: services.web.cgroup: must be one of "host", "private"',
  'pull-policy-bad-value.yaml':
    'pull-policy-bad-value.yaml:4:18: services.web.pull_policy: must be always, never, missing, build, daily, weekly or every_<duration>',
  'pull-policy-with-suffix.yaml':
    'pull-policy-with-suffix.yaml:4:18: services.web.pull_policy: must be always, never, missing, build, daily, weekly or every_<duration>',
  'develop-bad-action.yaml':
    'develop-bad-action.yaml:7:19: services.web.develop.watch[0].action: must be one of "rebuild", "restart", "sync", "sync+restart", "sync+exec"',
  'gpus-bad-word.yaml': 'gpus-bad-word.yaml:4:11: services.trainer.gpus: must be "all" or a list',
  'oom-score-out-of-range.yaml':
    'oom-score-out-of-range.yaml:4:20: services.web.oom_score_adj: must be <= 1000',
  'service-bad-name.yaml':
    "service-bad-name.yaml:4:3: services.my api: invalid name 'my api' (only letters, digits, '.', '_' and '-' are allowed)",
  'network-bad-name.yaml':
    "network-bad-name.yaml:5:3: networks.front tier: invalid name 'front tier' (only letters, digits, '.', '_' and '-' are allowed)",
  'extends-missing-service.yaml':
    "extends-missing-service.yaml:3:5: services.web.extends: missing required field 'service'",
  'include-missing-path.yaml':
    "include-missing-path.yaml:2:5: include[0]: missing required field 'path'",
  'env-file-missing-path.yaml':
    "env-file-missing-path.yaml:6:9: services.web.env_file[1]: missing required field 'path'",
  'model-missing-model.yaml':
    "model-missing-model.yaml:7:3: models.llm: missing required field 'model'",
  // Two errors: the one written first is the one reported.
  'first-error-wins.yaml': 'first-error-wins.yaml:4:5: services.web.restart: must be a string',
};

describe('validateSchema on invalid compose files', () => {
  it('has an expected message for every invalid fixture', () => {
    expect(fixtureNames('invalid')).toEqual(Object.keys(INVALID).sort());
  });

  it.each(Object.entries(INVALID))('%s', (name, expected) => {
    expect(schemaErrorOf('invalid', name)).toBe(expected);
  });
});

describe('validateSchema on valid compose files', () => {
  it.each(fixtureNames('valid'))('%s', (name) => {
    expect(schemaErrorOf('valid', name)).toBeUndefined();
  });

  it('has a kitchen sink that uses every service attribute of the schema', () => {
    const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
    const text = readFileSync(new URL('valid/kitchen-sink.yaml', FIXTURES), 'utf8');
    const { value } = parseComposeYaml(text, 'kitchen-sink.yaml');
    const services = (value as { services: Record<string, object> }).services;
    const used = new Set(Object.values(services).flatMap((service) => Object.keys(service)));
    expect([...used].sort()).toEqual(Object.keys(schema.definitions.service.properties).sort());
  });
});

/** Every subschema of ours, with its JSON pointer. */
function* subschemas(node: unknown, pointer = '#'): Generator<[string, Record<string, unknown>]> {
  if (typeof node !== 'object' || node === null) return;
  if (!Array.isArray(node)) yield [pointer, node as Record<string, unknown>];
  for (const [key, child] of Object.entries(node)) yield* subschemas(child, `${pointer}/${key}`);
}

describe('the schema itself', () => {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
  const ANNOTATIONS = new Set(['description', 'kindText']);

  it('lets x- extensions into every closed mapping except name maps', () => {
    const closed = [...subschemas(schema)].filter(
      ([, node]) => node.additionalProperties === false && node.keyText === undefined,
    );
    expect(closed.length).toBeGreaterThan(40);
    const acceptsExtension = (node: Record<string, unknown>) =>
      Object.keys(node.patternProperties ?? {}).some((pattern) =>
        new RegExp(pattern, 'u').test('x-extension'),
      );
    const withoutExtensions = closed
      .filter(([, node]) => !acceptsExtension(node))
      .map(([pointer]) => pointer);
    expect(withoutExtensions).toEqual([]);
  });

  it('keeps every anyOf alone in its node, as schema-errors.ts relies on', () => {
    const mixed = [...subschemas(schema)]
      .filter(([, node]) => 'anyOf' in node)
      .filter(([, node]) =>
        Object.keys(node).some((key) => key !== 'anyOf' && !ANNOTATIONS.has(key)),
      )
      .map(([pointer]) => pointer);
    expect(mixed).toEqual([]);
  });
});

describe('the precompiled validator', () => {
  it('is generated from the current schema (else run npm run build:schema)', () => {
    expect(readFileSync(VALIDATOR_URL, 'utf8') === validatorSource()).toBe(true);
  });
});

describe('validateSchema placement', () => {
  const located = (answer: (path: readonly (string | number)[]) => number | undefined) => {
    const asked: string[] = [];
    const locator: SourceLocator = {
      locate(path) {
        asked.push(path.join('.'));
        const line = answer(path);
        return line === undefined ? undefined : { file: 'c.yaml', line, column: 1 };
      },
    };
    return { locator, asked };
  };

  it('reports the error written first when the schema finds several', () => {
    const document = { services: { a: { image: 1 }, b: { image: 2 } } };
    // b is written above a in this imagined file.
    const { locator } = located((path) => (path[1] === 'b' ? 2 : path[1] === 'a' ? 5 : 1));
    expect(() => validateSchema(document, locator)).toThrow(
      expect.objectContaining({ path: ['services', 'b', 'image'], message: 'must be a string' }),
    );
  });

  it('still names the field when the locator knows no position', () => {
    const { locator } = located(() => undefined);
    try {
      validateSchema(
        { services: { web: { image: 'x', ports: [{ target: 80, publish: 1 }] } } },
        locator,
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ComposeError);
      expect(formatComposeError(error as ComposeError)).toBe(
        "services.web.ports[0].publish: unknown field 'publish' (did you mean 'published'?)",
      );
    }
  });

  it('words an error at the top level', () => {
    const { locator } = located(() => 1);
    expect(() => validateSchema(['web'], locator)).toThrow('top level must be a mapping');
  });

  it('accepts a document without services, as an include-only file', () => {
    const { locator } = located(() => 1);
    expect(() => validateSchema({}, locator)).not.toThrow();
  });
});
