/**
 * Shows who is signed in (and a sign-out button, or a sign-in link) in the page's #session-bar.
 * Loaded beside a page's own script so any officials' page gets it with one element.
 */
import { byId } from './dom.js';
import { loadSession, renderSessionBar } from './session.js';

const el = document.getElementById('session-bar');
if (el) {
  void loadSession()
    .catch(() => null)
    .then(() => renderSessionBar(byId('session-bar')));
}
