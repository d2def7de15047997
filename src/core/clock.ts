/** Time is injected everywhere (docs/architecture.md convention 7): services take a Clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = Object.freeze({ now: () => new Date() });

/** A clock for tests and for "validate at time T": starts at a fixed instant, moves only when told. */
export class FakeClock implements Clock {
  #ms: number;
  constructor(start: Date | string | number) {
    this.#ms = new Date(start).getTime();
    if (!Number.isFinite(this.#ms)) throw new TypeError('FakeClock: invalid start time');
  }
  now(): Date {
    return new Date(this.#ms);
  }
  set(to: Date | string | number): void {
    this.#ms = new Date(to).getTime();
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}

export const MS_PER_DAY = 86_400_000;
