// Plain text with its http(s) URLs as links, built from text nodes and <a> elements: the text
// is never parsed as HTML, so "<b>" stays the four characters it is.

import { h } from './dom.js';

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

export function linkify(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let link = m[0];
    const trail = TRAILING.exec(link);
    if (trail) link = link.slice(0, -trail[0].length);
    if (!link) continue;
    frag.append(document.createTextNode(text.slice(last, m.index)));
    frag.append(h('a', { href: link, target: '_blank', rel: 'noopener noreferrer nofollow' }, link));
    last = m.index + link.length;
  }
  frag.append(document.createTextNode(text.slice(last)));
  return frag;
}
