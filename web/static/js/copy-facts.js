/** The public facts of a certified-copy register entry (src/copies/public-facts.ts), as a list. */
import { h, facts } from './dom.js';
import { t } from './i18n.js';
import { vietnamDate } from './time.js';

const STATUS_CLASS = { valid: 'passed', annulled: 'failed', pending: 'indeterminate' };

/** @param {Record<string, any>} f */
export function renderCopyFacts(f) {
  const status = String(f.status ?? '');
  return h(
    'div',
    { class: 'copy-facts', 'data-status': status },
    h('p', {}, h('span', { class: `badge ${STATUS_CLASS[status] ?? 'indeterminate'}`, id: 'copy-status' }, t(`copy.status.${status}`))),
    status === 'annulled' ? h('p', { class: 'problem', role: 'alert' }, t('copy.annulledWarning')) : null,
    status === 'pending' ? h('p', { class: 'problem' }, t('copy.pendingWarning')) : null,
    facts([
      [t('copy.authority'), f.authority ?? f.authorityId],
      [t('copy.number'), f.numberLabel ?? f.number],
      [t('copy.volume'), f.volumeLabel],
      [t('copy.date'), vietnamDate(f.certifiedAt)],
      [t('copy.documentType'), f.documentType],
      [t('copy.documentTitle'), f.documentTitle],
      [t('copy.pages'), f.originalPages],
      [t('copy.copies'), f.copies],
      [t('copy.code'), f.lookupCode ? h('span', { class: 'mono' }, f.lookupCode) : null],
      // a lookup by number returns the status only (no hash): say nothing rather than "no hash"
      [
        t('copy.sha256'),
        f.copySha256 ? h('span', { class: 'mono', id: 'copy-sha256' }, f.copySha256) : 'copySha256' in f ? t('copy.noHash') : null,
      ],
    ]),
  );
}
