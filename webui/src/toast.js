// Short messages at the bottom of the screen: results of actions and errors that do not
// replace the view. Text only.

import { byId, h } from './dom.js';

export function toast(message, { kind = 'info', timeout = 4000 } = {}) {
  const box = byId('toasts');
  const el = h('div', { class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : 'status' }, message);
  box.append(el);
  setTimeout(() => {
    el.classList.add('toast-out');
    setTimeout(() => el.remove(), 300);
  }, timeout);
}

export const toastError = (e) => toast(e?.message || String(e), { kind: 'error', timeout: 7000 });
