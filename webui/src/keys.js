// Keyboard shortcuts. Global: / (search), ? (this help), Escape (back to the list). The
// current view adds its own (j/k, Enter, Delete, r, ...). Never while typing in a field.

import { openDialog } from './dialogs.js';
import { h, inEditable } from './dom.js';

export const SHORTCUTS = [
  [['j', 'k'], 'next / previous message'],
  [['Enter'], 'open the message under the cursor'],
  [['x'], 'select the message under the cursor'],
  [['Delete'], 'delete the selected (or open) message'],
  [['r'], 'toggle read / unread'],
  [['/'], 'search'],
  [['Esc'], 'back to the list; close dialogs'],
  [['1', '6'], 'message tabs: HTML, Text, Headers, Raw, Attachments, Envelope'],
  [['?'], 'this help'],
];

export function showShortcuts() {
  if (document.querySelector('dialog.shortcuts')) return;
  openDialog({
    title: 'Keyboard shortcuts',
    className: 'shortcuts',
    body: h('table', { class: 'kv shortcuts-table' },
      h('tbody', {}, SHORTCUTS.map(([keys, what]) => h('tr', {},
        h('th', {}, keys.map((k, i) => [i ? (keys[0] === '1' ? ' … ' : ' / ') : '', h('kbd', {}, k)])),
        h('td', {}, what))))),
    actions: [{ label: 'Close', primary: true }],
  });
}

// `current()` returns the active view's key map ({key: fn}); `globals` the app-wide ones.
export function initKeys(current, globals) {
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (inEditable(e.target) || document.querySelector('dialog[open]')) return;
    const map = { ...globals, ...(current() || {}) };
    const key = e.key === 'Backspace' ? 'Delete' : e.key;
    const fn = map[key];
    if (!fn) return;
    e.preventDefault();
    fn(e);
  });
}
