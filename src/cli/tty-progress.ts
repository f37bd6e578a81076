import { DefaultRenderer, Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { ProgressEvent } from '../scheduler/progress.js';
import { type ProgressPrinter, progressLabel } from './progress-printer.js';

/** listr2's renderer on stderr, whatever stdout is: the command's output stays plain there. */
class StderrRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

type ListrTask = Listr['tasks'][number];

/** One line per network, volume and container: its task, and the step it waits for. */
interface ResourceLine {
  task: ListrTask;
  startedAt: number;
  settle: () => void;
  fail: (error: Error) => void;
}

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/**
 * Progress as `docker compose` shows it in a terminal: a line per resource that updates
 * in place with a spinner, then `✔ Container p-web-1  Started  0.4s`. Resources appear
 * as the scheduler reaches them, so each becomes a listr2 task added to a running list;
 * a title-less task holds the list open until `close`.
 */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): ProgressPrinter {
  let release: () => void = () => undefined;
  const holder = new Promise<void>((resolve) => {
    release = resolve;
  });
  const listr = new Listr([{ task: () => holder }], {
    concurrent: true,
    exitOnError: false,
    registerSignalListeners: false,
    renderer: StderrRenderer,
    rendererOptions: {
      logger: new ListrLogger({ processOutput: new ProcessOutput(stream, stream) }),
    },
  });
  const listing = listr.run();
  const lines = new Map<string, ResourceLine>();
  const steps: Promise<unknown>[] = [];
  let closed = false;
  const runTask = (task: ListrTask) =>
    (listr as unknown as { runTask(task: ListrTask): Promise<void> }).runTask(task);

  const open = (event: ProgressEvent): ResourceLine => {
    let settle: () => void = () => undefined;
    let fail: (error: Error) => void = () => undefined;
    const step = new Promise<void>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    listr.add({ title: progressLabel(event), task: () => step });
    const line = { task: listr.tasks[listr.tasks.length - 1], startedAt: Date.now(), settle, fail };
    steps.push(runTask(line.task).catch(() => undefined));
    return line;
  };

  const report = (event: ProgressEvent) => {
    if (closed) {
      stream.write(`${progressLabel(event)}\n`);
      return;
    }
    const key = `${event.kind} ${event.name}`;
    const line = lines.get(key) ?? open(event);
    lines.set(key, line);
    const time = event.done ? `  ${elapsed(line.startedAt)}` : '';
    line.task.title$ = `${progressLabel(event)}${time}`;
    if (event.done) line.settle();
  };

  const close = async (error?: unknown) => {
    if (closed) return;
    closed = true;
    const failure = error instanceof Error ? error : new Error(String(error ?? 'interrupted'));
    for (const line of lines.values()) line.fail(failure);
    await Promise.all(steps);
    release();
    await listing.catch(() => undefined);
  };
  return Object.assign(report, { close });
}
