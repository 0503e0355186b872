// The unread count in the tab title ("(3) label · mailjar") and on the favicon (an SVG drawn
// here, as a data: URL).

import { on, state } from './store.js';

const baseIcon = (fill) => `<rect x="4" y="12" width="56" height="40" rx="6" fill="${fill}"/><path d="M8 18l24 18 24-18" fill="none" stroke="#fff" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/>`;

function iconURL(unread) {
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${baseIcon('#2563eb')}`;
  if (unread > 0) {
    const text = unread > 99 ? '99+' : String(unread);
    const size = text.length > 2 ? 22 : 28;
    svg += `<circle cx="46" cy="18" r="18" fill="#dc2626"/><text x="46" y="${18 + size * 0.36}" font-family="Arial,sans-serif" font-weight="700" font-size="${size}" text-anchor="middle" fill="#fff">${text}</text>`;
  }
  svg += '</svg>';
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

let lastUnread = -1;
let subject = '';

export function setTitleSubject(s) {
  subject = s || '';
  draw(true);
}

function draw(force = false) {
  const unread = state.stats.unread || 0;
  const name = state.config.label ? `${state.config.label} · mailjar` : 'mailjar';
  document.title = `${unread ? `(${unread}) ` : ''}${subject ? `${subject} · ` : ''}${name}`;
  if (unread === lastUnread && !force) return;
  lastUnread = unread;
  const link = document.querySelector('link[rel="icon"]');
  if (link) link.href = iconURL(unread);
}

export function initBadge() {
  on('stats', () => draw());
  on('config', () => draw(true));
  draw(true);
}
