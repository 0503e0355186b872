// The sidebar: inbox and unread counts, saved searches (with remove), tags with their counts,
// and the drawer behaviour on narrow screens.

import { api } from './api.js';
import { byId, h, replace } from './dom.js';
import { formatCount, searchValue } from './format.js';
import { hrefFor } from './router.js';
import { removeSavedSearch, savedSearches } from './saved_searches.js';
import { on, state } from './store.js';

let tagTimer = null;

export function initSidebar() {
  const app = byId('app');
  byId('nav-toggle').addEventListener('click', () => app.classList.toggle('nav-open'));
  byId('sidebar').addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('a')) app.classList.remove('nav-open');
  });
  document.addEventListener('click', (e) => {
    if (app.classList.contains('nav-open') && e.target instanceof Element &&
        !e.target.closest('#sidebar') && !e.target.closest('#nav-toggle')) app.classList.remove('nav-open');
  });

  on('stats', drawCounts);
  on('route', markActive);
  on('saved', drawSaved);
  on('stats', () => {
    clearTimeout(tagTimer);
    tagTimer = setTimeout(loadTags, 400); // counts per tag change with the mailbox, lazily
  });
  drawSaved();
  drawCounts(); // tags load after the first page (its `stats`), not in its way
}

function drawCounts() {
  byId('count-total').textContent = formatCount(state.stats.total);
  byId('count-unread').textContent = state.stats.unread ? formatCount(state.stats.unread) : '';
}

function markActive() {
  const q = state.route.query;
  for (const a of document.querySelectorAll('#sidebar a[data-query]')) {
    a.classList.toggle('active', state.route.name === 'list' && a.dataset.query === q);
  }
}

function drawSaved() {
  const list = savedSearches();
  byId('saved-heading').hidden = !list.length;
  replace(byId('saved-list'), list.map((s) => h('li', { class: 'nav-row' },
    h('a', { class: 'nav-item', href: hrefFor({ query: s.query }), 'data-nav': true, dataset: { query: s.query }, title: s.query }, h('span', {}, s.name)),
    h('button', { type: 'button', class: 'icon-btn icon-small', 'aria-label': `Remove saved search ${s.name}`, title: 'Remove', onclick: () => removeSavedSearch(s.name) }, '✕'))));
  markActive();
}

async function loadTags() {
  let tags = {};
  try {
    const info = await api.info();
    tags = info.Tags || {};
    byId('version').textContent = info.Version ? `mailjar ${info.Version}` : '';
  } catch {
    return;
  }
  const names = Object.keys(tags).sort((a, b) => a.localeCompare(b));
  byId('tags-heading').hidden = !names.length;
  replace(byId('tags-list'), names.map((t) => {
    const query = `tag:${searchValue(t)}`;
    return h('li', {}, h('a', { class: 'nav-item', href: hrefFor({ query }), 'data-nav': true, dataset: { query } },
      h('span', { class: 'tag-dot', 'aria-hidden': 'true' }), h('span', { class: 'nav-text' }, t), h('span', { class: 'count' }, formatCount(tags[t]))));
  }));
  markActive();
}

export function initNavLinks() {
  byId('nav-inbox').dataset.query = '';
  byId('nav-unread').dataset.query = 'is:unread';
  byId('nav-inbox').setAttribute('data-nav', '');
  byId('nav-unread').setAttribute('data-nav', '');
  byId('brand').setAttribute('data-nav', '');
}
