/**
 * Requests made while a batch runs wait and go together in the next one, so concurrent
 * operations (50 containers starting or stopping at once) share a few processes instead of
 * one each. `run` handles a whole batch and says, for each request in order, the error it
 * failed with (undefined when it succeeded).
 */
export class BatchQueue<T> {
  private pending: { item: T; resolve: () => void; reject: (error: Error) => void }[] = [];
  private running = false;

  constructor(private readonly run: (items: T[]) => Promise<(Error | undefined)[]>) {}

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.running) setImmediate(() => void this.flush());
      this.running = true;
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const errors = await this.run(batch.map((request) => request.item)).catch((error: Error) =>
      batch.map(() => error),
    );
    for (const [index, request] of batch.entries()) {
      const error = errors[index];
      if (error) request.reject(error);
      else request.resolve();
    }
    if (this.pending.length > 0) setImmediate(() => void this.flush());
    else this.running = false;
  }
}
