import type { Command } from 'commander';
import { AppError } from '../../core/errors.js';
import type { AuthorityStampPatch } from '../../copies/stamp-settings-service.js';
import { readInput } from './sign.js';

/**
 * The stamp flags shared by `kyso authority add|set` (Decree 30/2020 Appendix I, Art. 13):
 * --seal-image, --seal-size MM, --title, --authority-line (repeatable or '/'-separated),
 * --text-only-stamps / --no-text-only-stamps.
 */
export interface StampFlags {
  sealImage?: string;
  sealSize?: string;
  title?: string;
  authorityLine?: string[];
  textOnlyStamps?: boolean;
}

const appendValue = (v: string, prev: string[] = []): string[] => [...prev, v];

export function withStampFlags(c: Command): Command {
  return c
    .option('--seal-image <file>', 'the seal image (PNG with transparent background, or JPEG), registered once')
    .option('--seal-size <mm>', 'the seal’s real diameter in millimetres (default 36)')
    .option('--title <text>', 'title of the certifying official, e.g. "PHÓ CHỦ TỊCH"')
    .option('--authority-line <text>', 'signing-authority line (TM./KT./TUQ./Q./TL.), repeatable or "/"-separated', appendValue)
    .option('--text-only-stamps', 'allow copies without seal and signature images')
    .option('--no-text-only-stamps', 'require seal and signature images (default)');
}

/** The patch the flags ask for; undefined when no stamp flag was given. */
export function stampPatchOf(f: StampFlags): AuthorityStampPatch | undefined {
  const patch: AuthorityStampPatch = {
    ...(f.sealImage ? { sealImage: readInput(f.sealImage, 'seal image') } : {}),
    ...(f.sealSize !== undefined ? { sealDiameterMm: millimetres(f.sealSize) } : {}),
    ...(f.title !== undefined ? { title: f.title } : {}),
    ...(f.authorityLine?.length ? { authorityLines: f.authorityLine } : {}),
    ...(f.textOnlyStamps !== undefined ? { textOnlyStamps: f.textOnlyStamps } : {}),
  };
  return Object.keys(patch).length > 0 ? patch : undefined;
}

function millimetres(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v.trim())) throw new AppError('VALIDATION_FAILED', '--seal-size must be a number of millimetres, e.g. 36');
  return Number(v);
}
