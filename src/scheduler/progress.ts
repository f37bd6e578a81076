/** What `up`, `down` and friends report, one event per change of a resource. */
export interface ProgressEvent {
  kind: 'Network' | 'Volume' | 'Container' | 'Image';
  name: string;
  /** Creating, Created, Starting, Started, Stopping, Stopped, Removing, Removed, Running, Waiting, Healthy, Recreate, Error */
  status: string;
  /** false while the step is under way, true when it has finished. */
  done: boolean;
  /** Set in a dry run: the step was planned, not performed. */
  dryRun?: boolean;
}

export type Reporter = (event: ProgressEvent) => void;

/** Runs a step between an under-way event and a finished one. */
export async function reportStep<T>(
  report: Reporter,
  subject: Pick<ProgressEvent, 'kind' | 'name'>,
  statuses: [string, string],
  step: () => Promise<T>,
): Promise<T> {
  report({ ...subject, status: statuses[0], done: false });
  const result = await step();
  report({ ...subject, status: statuses[1], done: true });
  return result;
}
