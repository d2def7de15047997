import type { Indication, SubIndication } from '../report.js';

const RANK: Record<Indication, number> = { TOTAL_PASSED: 0, INDETERMINATE: 1, TOTAL_FAILED: 2 };

/**
 * The indication of one validation (ETSI EN 319 102-1 §5.1.3): every step may only make it
 * worse, and the first step reaching the worst indication names the sub-indication.
 */
export class Verdict {
  indication: Indication = 'TOTAL_PASSED';
  subIndication: SubIndication | null = null;

  worse(indication: Indication, subIndication: SubIndication | null): void {
    if (RANK[indication] > RANK[this.indication]) {
      this.indication = indication;
      this.subIndication = subIndication;
    }
  }
}
