// HTML tab: the mail's HTML in an <iframe sandbox> without allow-scripts, loaded from
// /view/{ID}.html (served with its own sandboxing CSP, cid: images pointing at the parts), with a
// width toggle to see it as a phone, a tablet or a desktop would.

import { api } from '../api.js';
import { h, replace } from '../dom.js';

const WIDTHS = [['desktop', 'Desktop', '100%'], ['tablet', 'Tablet', '768px'], ['phone', 'Phone', '375px']];
let chosen = 'desktop';

export function renderHtmlTab(panel, msg) {
  const frame = h('iframe', {
    class: 'html-frame',
    title: 'HTML body of the message',
    // No allow-scripts, no allow-same-origin: the mail runs nothing and reaches nothing of the
    // app. Links may open a new, unsandboxed tab (as they would from a mail client).
    sandbox: 'allow-popups allow-popups-to-escape-sandbox',
    referrerpolicy: 'no-referrer',
    loading: 'lazy',
    src: api.viewHtmlURL(msg.ID),
  });
  const stage = h('div', { class: 'frame-stage' }, frame);
  const buttons = WIDTHS.map(([key, label, width]) => h('button', {
    type: 'button', class: ['seg', key === chosen && 'active'], dataset: { width: key }, 'aria-pressed': String(key === chosen),
    onclick: () => {
      chosen = key;
      apply();
    },
  }, label));
  function apply() {
    const w = WIDTHS.find(([k]) => k === chosen)[2];
    frame.style.width = w;
    stage.dataset.width = chosen;
    for (const b of buttons) {
      b.classList.toggle('active', b.dataset.width === chosen);
      b.setAttribute('aria-pressed', String(b.dataset.width === chosen));
    }
  }
  replace(panel,
    h('div', { class: 'tab-tools' },
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Preview width' }, buttons),
      h('span', { class: 'spacer' }),
      h('a', { class: 'btn btn-small', href: api.viewHtmlURL(msg.ID), target: '_blank', rel: 'noopener noreferrer' }, 'Open in new tab')),
    stage);
  apply();
}
