/**
 * Vietnamese first, English on request. Static text carries data-i18n="key" (and
 * data-i18n-placeholder / data-i18n-aria-label); dynamic text calls t(). The choice is kept in
 * localStorage (no cookie) and can be forced with ?lang=en for a shared link.
 */
import { STRINGS } from './strings.js';

const STORE_KEY = 'kyso.lang';
/** @type {'vi' | 'en'} */
let current = initialLang();
/** @type {Array<(lang: 'vi' | 'en') => void>} */
const listeners = [];

function initialLang() {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'vi' || q === 'en') return q;
  try {
    const s = localStorage.getItem(STORE_KEY);
    if (s === 'vi' || s === 'en') return s;
  } catch {
    /* storage disabled: stay Vietnamese */
  }
  return 'vi';
}

export function lang() {
  return current;
}

/**
 * @param {string} key
 * @param {Record<string, string | number>} [vars] replaces {name} placeholders
 */
export function t(key, vars) {
  const entry = STRINGS[key];
  return entry ? inLang(entry, vars) : key;
}

/**
 * The [Vietnamese, English] pair's text in the current language, its {name} placeholders filled
 * from `vars` (own properties only, numbers and strings; any other placeholder stays as written).
 * @param {[string, string]} pair
 * @param {Record<string, unknown>} [vars]
 */
export function inLang(pair, vars) {
  const s = pair[current === 'vi' ? 0 : 1];
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => {
    const v = Object.hasOwn(vars, k) ? vars[k] : undefined;
    return typeof v === 'string' || typeof v === 'number' ? String(v) : m;
  });
}

/** @param {(lang: 'vi' | 'en') => void} cb */
export function onLangChange(cb) {
  listeners.push(cb);
}

/** @param {'vi' | 'en'} l */
export function setLang(l) {
  current = l;
  try {
    localStorage.setItem(STORE_KEY, l);
  } catch {
    /* ignore */
  }
  applyI18n();
  for (const cb of listeners) cb(l);
}

/**
 * Sets a translated text on `el` and remembers the key, so a later language switch re-translates
 * it (status lines); `key` null clears it.
 * @param {HTMLElement} el @param {string | null} key @param {Record<string, string | number>} [vars]
 */
export function setText(el, key, vars) {
  if (key === null) {
    el.removeAttribute('data-i18n');
    el.removeAttribute('data-i18n-vars');
    el.textContent = '';
    return;
  }
  el.setAttribute('data-i18n', key);
  if (vars) el.setAttribute('data-i18n-vars', JSON.stringify(vars));
  else el.removeAttribute('data-i18n-vars');
  el.textContent = t(key, vars);
}

function varsOf(el) {
  const raw = el.getAttribute('data-i18n-vars');
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function applyI18n(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n') ?? '', varsOf(el));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]'))
    el.setAttribute('placeholder', t(el.getAttribute('data-i18n-placeholder') ?? ''));
  for (const el of root.querySelectorAll('[data-i18n-aria-label]'))
    el.setAttribute('aria-label', t(el.getAttribute('data-i18n-aria-label') ?? ''));
  const toggle = document.getElementById('lang-toggle');
  // The button names the other language in that language (WCAG 3.1.2 language of parts).
  if (toggle) toggle.setAttribute('lang', current === 'vi' ? 'en' : 'vi');
}

/** Applies the texts and wires the language button (#lang-toggle). */
export function initI18n() {
  applyI18n();
  const toggle = document.getElementById('lang-toggle');
  if (toggle) toggle.addEventListener('click', () => setLang(current === 'vi' ? 'en' : 'vi'));
}
