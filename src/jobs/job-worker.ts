/**
 * The per-instance loop: drains job items, then webhook deliveries, then sleeps until the next
 * tick or a `kick()` (a job was just submitted here). One drain at a time per instance; several
 * instances share the work through the repositories' atomic claims.
 */
export interface Runnable {
  runOnce(): Promise<boolean>;
}

export class JobWorker {
  readonly #runners: readonly Runnable[];
  readonly #onError: (e: unknown) => void;
  #draining: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(runners: readonly Runnable[], onError: (e: unknown) => void) {
    this.#runners = runners;
    this.#onError = onError;
  }

  /** Starts a drain unless one is running (then it runs once more after it). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#draining;
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      let worked = false;
      for (const r of this.#runners) {
        try {
          if (await r.runOnce()) worked = true;
        } catch (e) {
          this.#onError(e);
        }
      }
      if (!worked) return;
    }
  }
}
