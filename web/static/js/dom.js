/**
 * Tiny DOM builder. Every string from the server goes through text nodes (textContent), never
 * innerHTML, so a signer name or a document title can never become markup.
 */

/**
 * h('dl', { class: 'facts' }, child, 'text', null) → element. Attributes are set with
 * setAttribute; `on*` keys are rejected so no handler can come from data.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (/^on/i.test(k)) throw new TypeError('event handler attributes are not allowed');
    el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

/** @param {Node} parent @param {...(Node | string | number | null | undefined | false)} children */
export function append(parent, ...children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** @param {Node} node */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** @param {string} id @returns {HTMLElement} */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new TypeError(`missing element #${id}`);
  return el;
}

/**
 * A definition list from [label, value] pairs; rows whose value is null/undefined/'' are skipped.
 * @param {Array<[string, Node | string | number | null | undefined]>} rows
 */
export function facts(rows) {
  const dl = h('dl', { class: 'facts' });
  for (const [label, value] of rows) {
    if (value === null || value === undefined || value === '') continue;
    dl.appendChild(h('dt', {}, label));
    dl.appendChild(h('dd', {}, value));
  }
  return dl;
}

/** Wires a label.dropzone around a file input: drag & drop and keyboard (the input stays focusable). */
export function dropzone(zone, input, onFile) {
  input.addEventListener('change', () => {
    const f = input.files && input.files[0];
    if (f) onFile(f);
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragover');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragover'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragover');
    const f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (f) onFile(f);
  });
}
