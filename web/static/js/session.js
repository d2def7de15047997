/**
 * The signed-in person on every officials' page (docs/sign-in.md): GET /api/v1/session gives the
 * principal and the CSRF token to send as X-CSRF-Token on state-changing requests. Without a
 * session it answers 401 and the page may send the person to /login?returnTo=<this page>.
 */
import { h, clear } from './dom.js';
import { t, onLangChange } from './i18n.js';

/** @type {{ principal: { id: string, role: string, displayName: string | null }, csrfToken: string | null } | null} */
let current = null;

export function csrfToken() {
  return current?.csrfToken ?? null;
}

/** @returns {Promise<typeof current>} the session, or null when nobody is signed in. */
export async function loadSession() {
  const res = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store' });
  current = res.ok ? await res.json() : null;
  return current;
}

export function loginUrl() {
  return `/login?returnTo=${encodeURIComponent(location.pathname + location.search)}`;
}

async function signOut() {
  const token = csrfToken();
  await fetch('/api/v1/session', { method: 'DELETE', credentials: 'same-origin', headers: token ? { 'X-CSRF-Token': token } : {} });
  location.assign('/login');
}

/** Fills `el` with "Signed in as NAME · Sign out", or a sign-in link. */
export function renderSessionBar(el) {
  const draw = () => {
    clear(el);
    if (current) {
      const out = h('button', { type: 'button', class: 'secondary', id: 'sign-out' }, t('session.signOut'));
      out.addEventListener('click', () => void signOut());
      el.append(
        h('span', { id: 'session-name' }, t('session.signedInAs', { name: current.principal.displayName ?? current.principal.id })),
        ' ',
        out,
      );
    } else {
      el.append(h('a', { href: loginUrl(), id: 'sign-in-link' }, t('session.signIn')));
    }
  };
  draw();
  onLangChange(draw);
}
