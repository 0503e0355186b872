// Client-side routes under the base URL (the --webroot): "" is the mailbox list (with ?q= for a
// search and ?start= for the page), "view/{ID}" one message. The server answers both with the
// app shell, so reloads and shared links work. Links with data-nav navigate without a reload.

import { emit, state } from './store.js';

const basePath = () => new URL(document.baseURI).pathname;

export function parseLocation(loc = window.location) {
  const base = basePath();
  let rest = loc.pathname.startsWith(base) ? loc.pathname.slice(base.length) : loc.pathname.replace(/^\//, '');
  rest = rest.replace(/^index\.html$/, '');
  const params = new URLSearchParams(loc.search);
  const query = params.get('q') || '';
  const start = Math.max(0, parseInt(params.get('start') || '0', 10) || 0);
  const m = /^view\/([A-Za-z0-9]+)$/.exec(rest);
  if (m) return { name: 'message', id: m[1], query, start };
  return { name: 'list', id: null, query, start };
}

export function hrefFor({ name = 'list', id = null, query = '', start = 0 } = {}) {
  const u = new URL(name === 'message' ? `view/${id}` : './', document.baseURI);
  if (query) u.searchParams.set('q', query);
  if (start) u.searchParams.set('start', String(start));
  return u.pathname + u.search;
}

export function navigate(route, { replace = false } = {}) {
  const href = hrefFor(route);
  if (replace) history.replaceState(null, '', href);
  else if (href !== window.location.pathname + window.location.search) history.pushState(null, '', href);
  apply();
}

function apply() {
  const prev = state.route;
  state.route = parseLocation();
  emit('route', { prev, next: state.route });
}

export function startRouter() {
  window.addEventListener('popstate', apply);
  document.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a[data-nav]') : null;
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const u = new URL(a.href, document.baseURI);
    if (u.origin !== window.location.origin) return;
    e.preventDefault();
    if (u.pathname + u.search !== window.location.pathname + window.location.search) {
      history.pushState(null, '', u.pathname + u.search);
    }
    apply();
  });
  apply();
}
