/**
 * Family 5: objects appended after the final %%EOF with neither xref nor trailer (incremental
 * saving attack, variant without xref/trailer; Mladenov et al., "1 Trillion Dollar Refund",
 * 2019). Viewers that rebuild their object table by scanning use the last definition.
 */
import { appendRaw } from '../incremental-writer.js';
import { attackedContent, firstPage } from '../samples.js';
import type { AttackFamily } from './family.js';

export const afterEof: AttackFamily = {
  name: 'objects after the final %%EOF without xref',
  expectedKey: 'PDF_OBJECTS_AFTER_EOF',
  shows: 'text',
  build: (signed) => appendRaw(signed, { [firstPage(signed).contents]: attackedContent(signed) }),
};
