import { AppError } from './errors.js';

/**
 * PAdES baseline levels (ETSI EN 319 142-1 §6): each adds to the one before it — B-T a
 * signature time-stamp, B-LT the validation material in a /DSS, B-LTA a document time-stamp over
 * it. The one list the CLI, the HTTP schemas, signing and certified copies take levels from.
 */
export const PADES_LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;

export type PadesLevel = (typeof PADES_LEVELS)[number];

/** Position in the cumulative order above: `LEVEL_RANK[l] >= LEVEL_RANK['B-T']` means "has a signature time-stamp". */
export const LEVEL_RANK: Readonly<Record<PadesLevel, number>> = Object.freeze({ 'B-B': 0, 'B-T': 1, 'B-LT': 2, 'B-LTA': 3 });

export function isPadesLevel(value: unknown): value is PadesLevel {
  return typeof value === 'string' && (PADES_LEVELS as readonly string[]).includes(value);
}

/** A level named by a caller; absent means B-B; anything else is VALIDATION_FAILED. */
export function parsePadesLevel(value: unknown): PadesLevel {
  if (value === undefined) return 'B-B';
  if (isPadesLevel(value)) return value;
  throw new AppError('VALIDATION_FAILED', `level must be one of ${PADES_LEVELS.join(', ')}`);
}
