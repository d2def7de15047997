import { AppError } from '../core/errors.js';
import { ORGANIZATION_KINDS, PERSONAL_KINDS } from './identifiers.js';
import type { SubjectFields } from './ports.js';

/**
 * Subject rules of the provincial profiles, on top of the per-identifier checks: the provincial
 * CA certifies Vietnamese organizations and officials (C=VN), and an organization's seal
 * certificate names the organization by its tax code (MST) or budget-unit code (MNS), never by a
 * person's identity number.
 */
const PROVINCIAL: ReadonlySet<string> = new Set(['organization', 'individual']);

const kindOf = (uid: string): string => uid.slice(0, uid.indexOf(':'));

/** Throws SUBJECT_INVALID / UID_INVALID when a normalised subject breaks its profile's rules. */
export function checkSubjectForProfile(profile: string, subject: SubjectFields): void {
  if (PROVINCIAL.has(profile) && subject.country !== 'VN')
    throw new AppError('SUBJECT_INVALID', `C must be VN for the ${profile} profile (provincial CA)`, {
      details: { field: 'country', rule: 'country-vn' },
    });
  if (profile !== 'organization') return;
  const kinds = (subject.uids ?? []).map(kindOf);
  const personal = kinds.find((k) => (PERSONAL_KINDS as readonly string[]).includes(k));
  if (personal)
    throw new AppError('SUBJECT_INVALID', `an organization certificate may not carry a personal ${personal}: identifier`, {
      details: { field: 'uids', rule: 'organization-no-personal-id' },
    });
  if (!kinds.some((k) => (ORGANIZATION_KINDS as readonly string[]).includes(k)))
    throw new AppError('SUBJECT_INVALID', 'an organization certificate needs an MST: (tax) or MNS: (budget-unit) identifier', {
      details: { field: 'uids', rule: 'organization-needs-mst-or-mns' },
    });
}
