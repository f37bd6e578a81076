import { mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import type { ContainerManager } from '../containers/manager.js';
import { resolveUser } from '../containers/user.js';
import type { ImageStoreLike } from '../image-access.js';
import { hostArchitecture, type OciImageConfig } from '../images/oci-types.js';
import { shortId } from '../images/reference.js';
import { type BuildCache, chainKey } from './build-cache.js';
import type { BuildContext, SourceTree } from './build-context.js';
import { BuildError } from './build-error.js';
import {
  applyConfigInstruction,
  commandOf,
  envLookup,
  onBuildTrigger,
  workingDirectory,
} from './build-steps.js';
import { copyInto, digestSources, matchSources } from './copy-files.js';
import { type Instruction, parseDockerfile, parseInstruction } from './dockerfile-parse.js';
import { runStepContainer } from './run-step.js';
import { resolveScoped } from './scoped-path.js';
import { configChanged, type Stage, StepCommitter } from './step-commit.js';
import { expandWord, keyValuePairs, type Lookup, splitWords } from './word-expand.js';

/**
 * The legacy builder (`POST /build`): runs a Dockerfile's stages step by step. Steps
 * that change only the config change it in memory; RUN runs a container of this
 * engine on the current image and commits its changes as a layer; COPY, ADD and
 * WORKDIR change a mounted snapshot of it. Every image a step commits is recorded in
 * the build cache under a key chained through the instructions before it.
 */
export interface BuildOptions {
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string | null>;
  target?: string;
  labels: Record<string, string>;
  noCache: boolean;
}

export interface BuilderDeps {
  images: ImageStoreLike;
  containers: ContainerManager;
  cache: BuildCache;
  /** Scratch space of this build, removed by the caller. */
  workDirectory: string;
  /** Sends one message of the build's JSON stream. */
  emit: (message: object) => void;
  /** Aborted when the client went away: the build stops at once. */
  signal: AbortSignal;
}

function scratchConfig(): OciImageConfig {
  return {
    architecture: hostArchitecture(),
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
}

/** Splits the instructions into the global ARGs and one list per FROM. */
function splitStages(instructions: Instruction[], file: string) {
  const globals: Instruction[] = [];
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push([instruction]);
    else if (stages.length > 0) stages.at(-1)?.push(instruction);
    else if (instruction.keyword === 'ARG') globals.push(instruction);
    else
      throw new BuildError(
        `${instruction.keyword} instruction before the first FROM: no build stage in current context`,
        file,
        instruction.line,
      );
  }
  return { globals, stages };
}

export class Builder {
  private readonly stages: Stage[] = [];
  private readonly globalArgs = new Map<string, string | undefined>();
  private readonly usedArgs = new Set<string>();
  private escapeToken = '\\';
  private stepNumber = 0;
  private stepCount = 0;
  private readonly commits: StepCommitter;

  constructor(
    private readonly context: BuildContext,
    private readonly options: BuildOptions,
    private readonly deps: BuilderDeps,
  ) {
    this.commits = new StepCommitter({
      images: deps.images,
      cache: deps.cache,
      noCache: options.noCache,
      workDirectory: deps.workDirectory,
      say: (text) => this.say(text),
    });
  }

  private say(text: string): void {
    this.deps.emit({ stream: text });
  }

  /** Builds and tags the image; resolves to its ID. */
  async build(): Promise<string> {
    const file = this.options.dockerfile;
    const dockerfile = parseDockerfile(await this.context.dockerfile(file), file);
    this.escapeToken = dockerfile.escapeToken;
    const { globals, stages } = splitStages(dockerfile.instructions, file);
    const last = this.targetIndex(stages, file);
    const chosen = stages.slice(0, last + 1);
    this.stepCount = globals.length + chosen.reduce((sum, stage) => sum + stage.length, 0);
    for (const instruction of globals) {
      await this.atLine(instruction, () => this.declareArg(instruction, this.globalArgs, true));
    }
    let stage: Stage | undefined;
    for (const instructions of chosen) {
      for (const instruction of instructions) {
        stage = await this.atLine(instruction, () => this.runStep(instruction, stage));
      }
      if (stage) this.stages.push(stage);
    }
    const final = stage as Stage;
    if (Object.keys(this.options.labels).length > 0) {
      final.config.config = { ...final.config.config };
      final.config.config.Labels = { ...final.config.config.Labels, ...this.options.labels };
      final.key = chainKey(final.key, 'LABELS', JSON.stringify(this.options.labels));
      configChanged(final);
    }
    const id = await this.commits.commit(final);
    for (const tag of this.options.tags) await this.deps.images.tag(id, tag);
    this.warnUnusedArgs();
    this.deps.emit({ aux: { ID: id } });
    this.say(`Successfully built ${shortId(id)}\n`);
    for (const tag of this.options.tags) this.say(`Successfully tagged ${tag}\n`);
    return id;
  }

  private targetIndex(stages: Instruction[][], file: string): number {
    const target = this.options.target;
    if (!target) return stages.length - 1;
    const index = stages.findIndex((instructions) => {
      const words = (instructions[0] as Instruction).args.split(/\s+/);
      return (
        words.length === 3 &&
        words[1]?.toLowerCase() === 'as' &&
        words[2]?.toLowerCase() === target.toLowerCase()
      );
    });
    if (index === -1) throw new BuildError(`failed to reach build target ${target} in ${file}`);
    return index;
  }

  private warnUnusedArgs(): void {
    const unused = Object.keys(this.options.buildArgs).filter((name) => !this.usedArgs.has(name));
    if (unused.length > 0)
      this.say(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
  }

  /** Runs a step, naming its Dockerfile line in any error. */
  private async atLine<T>(instruction: Instruction, run: () => Promise<T>): Promise<T> {
    try {
      this.deps.signal.throwIfAborted();
      return await run();
    } catch (error) {
      if (error instanceof BuildError && error.line !== undefined) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new BuildError(message, this.options.dockerfile, instruction.line);
    }
  }

  private lookup(stage: Stage): Lookup {
    return envLookup(stage.config.config?.Env, (name) => stage.args.get(name));
  }

  private async declareArg(
    instruction: Instruction,
    scope: Map<string, string | undefined>,
    global: boolean,
  ): Promise<string> {
    const lookup: Lookup = (name) =>
      scope.get(name) ?? (global ? undefined : this.globalArgs.get(name));
    const pairs = keyValuePairs(instruction.args, this.escapeToken, lookup, false);
    const described: string[] = [];
    for (const [name, fallback] of pairs) {
      const given = this.options.buildArgs[name];
      this.usedArgs.add(name);
      const value =
        given !== undefined && given !== null
          ? given
          : (fallback ?? (global ? undefined : this.globalArgs.get(name)));
      scope.set(name, value);
      described.push(value === undefined ? name : `${name}=${value}`);
    }
    this.say(`Step ${++this.stepNumber}/${this.stepCount} : ARG ${instruction.args}\n`);
    return described.join(' ');
  }

  private async runStep(instruction: Instruction, current: Stage | undefined): Promise<Stage> {
    if (instruction.keyword === 'FROM') return this.from(instruction);
    const stage = current as Stage;
    const { keyword } = instruction;
    if (keyword === 'ARG') {
      const described = await this.declareArg(instruction, stage.args, false);
      stage.key = chainKey(stage.key, 'ARG', described);
      return stage;
    }
    this.say(`Step ${++this.stepNumber}/${this.stepCount} : ${keyword} ${instruction.args}\n`);
    return this.dispatch(instruction, stage);
  }

  /** Runs an instruction other than FROM and ARG on the stage. */
  private async dispatch(instruction: Instruction, stage: Stage): Promise<Stage> {
    const { keyword } = instruction;
    switch (keyword) {
      case 'RUN':
        await this.run(stage, instruction);
        return stage;
      case 'COPY':
      case 'ADD':
        await this.copy(stage, instruction);
        return stage;
      case 'WORKDIR':
        await this.workdir(stage, instruction);
        return stage;
      case 'MAINTAINER':
        stage.config.author = instruction.args;
        this.changedConfig(stage, instruction);
        return stage;
      default: {
        stage.config.config = applyConfigInstruction(instruction, stage.config.config ?? {}, {
          escapeToken: this.escapeToken,
          lookup: this.lookup(stage),
          cmdSet: stage.cmdSet,
        });
        if (keyword === 'CMD') stage.cmdSet = true;
        this.changedConfig(stage, instruction);
        return stage;
      }
    }
  }

  private changedConfig(stage: Stage, instruction: Instruction): void {
    const text = `${instruction.keyword} ${JSON.stringify(instruction.flags)} ${instruction.args}`;
    stage.key = chainKey(stage.key, text, JSON.stringify(stage.config.config));
    configChanged(stage);
    this.commits.history(
      stage,
      `/bin/sh -c #(nop)  ${instruction.keyword} ${instruction.args}`,
      true,
    );
  }

  private async from(instruction: Instruction): Promise<Stage> {
    this.say(`Step ${++this.stepNumber}/${this.stepCount} : FROM ${instruction.args}\n`);
    const words = splitWords(instruction.args, this.escapeToken, (name) =>
      this.globalArgs.get(name),
    );
    const [reference = ''] = words;
    const name = words.length === 3 && words[1]?.toLowerCase() === 'as' ? words[2] : undefined;
    if (words.length !== 1 && name === undefined)
      throw new Error(`FROM requires either one or three arguments: FROM ${instruction.args}`);
    const base = this.stageNamed(reference);
    const fresh = {
      name: name?.toLowerCase(),
      args: new Map<string, string | undefined>(),
      cmdSet: false,
    };
    if (base) {
      return {
        ...fresh,
        config: structuredClone(base.config),
        imageId: base.imageId,
        key: base.key,
      };
    }
    if (reference.toLowerCase() === 'scratch') {
      this.say(' ---> scratch\n');
      return { ...fresh, config: scratchConfig(), key: chainKey('scratch') };
    }
    const image = await this.deps.images.get(reference);
    if (!image) {
      throw new Error(
        `image "${reference}" is not available locally and this engine builds offline: FROM must name a local image or scratch`,
      );
    }
    this.say(` ---> ${shortId(image.id)}\n`);
    const stage = { ...fresh, config: image.config, imageId: image.id, key: chainKey(image.id) };
    return this.runTriggers(stage, instruction);
  }

  /**
   * The base image's ONBUILD triggers, run first as Docker does: each is parsed and run as
   * an instruction of this stage (errors name the FROM line), and the image made does not
   * keep them.
   */
  private async runTriggers(stage: Stage, from: Instruction): Promise<Stage> {
    const triggers = stage.config.config?.OnBuild ?? [];
    if (triggers.length === 0) return stage;
    this.say(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
    stage.config.config = { ...stage.config.config, OnBuild: null };
    stage.key = chainKey(stage.key, 'ONBUILD', JSON.stringify(triggers));
    configChanged(stage);
    let current = stage;
    for (const trigger of triggers) {
      const instruction = parseInstruction(
        onBuildTrigger(trigger),
        from.line,
        this.options.dockerfile,
      );
      // ARG declares in the stage itself; the rest are plain steps.
      current =
        instruction.keyword === 'ARG'
          ? await this.runStep(instruction, current)
          : await this.dispatch(instruction, current);
    }
    return current;
  }

  private stageNamed(reference: string): Stage | undefined {
    const lower = reference.toLowerCase();
    return (
      this.stages.find((stage) => stage.name === lower) ??
      (/^\d+$/.test(reference) ? this.stages[Number(reference)] : undefined)
    );
  }

  private async run(stage: Stage, instruction: Instruction): Promise<void> {
    const config = stage.config.config ?? {};
    const argv = commandOf(instruction, config.Shell as string[] | undefined);
    const env = config.Env ?? [];
    const argEnv = [...stage.args]
      .filter(
        ([name, value]) =>
          value !== undefined && !env.some((entry) => entry.startsWith(`${name}=`)),
      )
      .map(([name, value]) => `${name}=${value}`);
    const key = chainKey(stage.key, 'RUN', JSON.stringify(argv), JSON.stringify(argEnv));
    if (await this.commits.fromCache(stage, key)) return;
    const parent = await this.commits.commit(stage);
    await runStepContainer(this.deps.containers, {
      image: parent,
      argv,
      env: argEnv,
      workingDir: config.WorkingDir,
      user: config.User,
      output: (text) => this.say(text),
      withChanges: (changes) => this.commits.commitChanges(stage, key, changes, argv.join(' ')),
      changesOf: (id) => this.deps.images.snapshotChanges(id),
      signal: this.deps.signal,
      workDirectory: this.deps.workDirectory,
    });
    this.commits.announce(stage);
  }

  private async copy(stage: Stage, instruction: Instruction): Promise<void> {
    const lookup = this.lookup(stage);
    const words = instruction.json ?? splitWords(instruction.args, this.escapeToken, lookup);
    if (words.length < 2) throw new Error(`${instruction.keyword} requires at least two arguments`);
    const sources = words.slice(0, -1);
    const url = sources.find((source) => /^[a-z][a-z0-9+.-]*:\/\//i.test(source));
    if (url !== undefined) {
      if (instruction.keyword === 'ADD')
        throw new Error(`ADD from a URL is not available offline: ${url}`);
      throw new Error(`COPY does not take URLs: ${url}`);
    }
    const written = words.at(-1) as string;
    const workdir = stage.config.config?.WorkingDir || '/';
    const intoDirectory = written === '.' || written.endsWith('/') || written.endsWith('/.');
    const destination = posix.resolve(workdir, written) + (intoDirectory ? '/' : '');
    const flags = Object.fromEntries(
      Object.entries(instruction.flags).map(([flag, value]) => [
        flag,
        expandWord(value, this.escapeToken, lookup),
      ]),
    );
    await this.withSourceTree(flags.from, async (tree, treeKey) => {
      const matched = await matchSources(tree, sources);
      const digest = await digestSources(tree, matched);
      const key = chainKey(
        stage.key,
        instruction.keyword,
        JSON.stringify({ matched, destination, flags }),
        treeKey,
        digest,
      );
      if (await this.commits.fromCache(stage, key)) return;
      await this.commits.changeSnapshot(
        stage,
        key,
        `/bin/sh -c #(nop) ${instruction.keyword} ${instruction.args}`,
        async (rootfs) => {
          await copyInto(rootfs, tree, matched, {
            destination,
            owner: flags.chown ? await resolveUser(rootfs, flags.chown) : undefined,
            mode: flags.chmod ? parseMode(flags.chmod) : undefined,
            extractArchives: instruction.keyword === 'ADD',
            workDirectory: this.deps.workDirectory,
          });
        },
      );
    });
  }

  /** The context, or (COPY --from) a mounted snapshot of an earlier stage or an image. */
  private async withSourceTree(
    from: string | undefined,
    use: (tree: SourceTree, key: string) => Promise<void>,
  ): Promise<void> {
    if (from === undefined) return use(this.context, 'context');
    const stage = this.stageNamed(from);
    const imageId = stage
      ? await this.commits.commit(stage)
      : (await this.deps.images.get(from))?.id;
    if (imageId === undefined)
      throw new Error(`COPY --from=${from}: no such stage, and no local image of that name`);
    await this.commits.withSnapshot(imageId, (id) =>
      this.deps.images.withSnapshotMounted(id, (root) =>
        use({ root, include: () => true, preserveOwner: true }, imageId),
      ),
    );
  }

  private async workdir(stage: Stage, instruction: Instruction): Promise<void> {
    const path = workingDirectory(
      stage.config.config?.WorkingDir,
      expandWord(instruction.args, this.escapeToken, this.lookup(stage)),
    );
    const key = chainKey(stage.key, 'WORKDIR', path);
    if (await this.commits.fromCache(stage, key)) return;
    await this.commits.commit(stage);
    stage.config.config = { ...stage.config.config, WorkingDir: path };
    await this.commits.changeSnapshot(
      stage,
      key,
      `/bin/sh -c #(nop) WORKDIR ${path}`,
      async (rootfs) => {
        await mkdir(await resolveScoped(rootfs, path), { recursive: true, mode: 0o755 });
      },
    );
  }
}

function parseMode(text: string): number {
  if (!/^[0-7]{3,4}$/.test(text))
    throw new Error(`invalid --chmod "${text}": expected an octal mode`);
  return Number.parseInt(text, 8);
}
