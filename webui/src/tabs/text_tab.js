// Text tab: the plain-text body, escaped by construction (text nodes) and then linkified.

import { h, replace } from '../dom.js';
import { linkify } from '../linkify.js';

export function renderTextTab(panel, msg) {
  if (!msg.Text) {
    replace(panel, h('p', { class: 'muted pad' }, 'This message has no text part.'));
    return;
  }
  replace(panel, h('pre', { class: 'text-body' }, linkify(msg.Text)));
}
