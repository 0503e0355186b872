// The search box: submits Mailpit-syntax queries as ?q=, mirrors the current query, offers a
// help popover listing every term (click one to add it) and a button to save the search.

import { byId, h, replace } from './dom.js';
import { navigate } from './router.js';
import { isSaved, saveCurrentSearch } from './saved_searches.js';
import { SEARCH_TERMS } from './search_help.js';
import { on, state } from './store.js';

export function initSearchBox() {
  const form = byId('search-form');
  const input = byId('search-input');
  const helpBtn = byId('search-help-btn');
  const saveBtn = byId('search-save-btn');
  const pop = byId('search-help');

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = input.value.trim();
    input.blur();
    navigate({ name: 'list', query: q, start: 0 });
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      input.value = state.route.query;
      input.blur();
    }
  });
  input.addEventListener('search', () => {
    // The clear (×) button of type=search: back to the whole mailbox.
    if (!input.value && state.route.query) navigate({ name: 'list', query: '', start: 0 });
  });

  const rows = SEARCH_TERMS.map(([term, what]) => h('li', {},
    h('button', {
      type: 'button', class: 'term', title: 'Add to the search',
      onclick: () => {
        const example = term.split('  ')[0];
        const prefix = /^[a-z-]+:/.exec(example);
        const add = prefix && !example.startsWith('is:') && !example.startsWith('has:') ? prefix[0] : example;
        input.value = `${input.value.trim()} ${add}`.trimStart();
        input.focus();
        input.setSelectionRange(input.value.length, input.value.length);
      },
    }, term),
    h('span', { class: 'what' }, what)));
  replace(pop,
    h('div', { class: 'popover-head' }, h('strong', {}, 'Search syntax'), h('span', { class: 'muted' }, 'Terms are ANDed, case-insensitive')),
    h('ul', { class: 'terms' }, rows));

  const setOpen = (open) => {
    pop.hidden = !open;
    helpBtn.setAttribute('aria-expanded', String(open));
  };
  helpBtn.addEventListener('click', () => setOpen(pop.hidden));
  document.addEventListener('click', (e) => {
    if (!pop.hidden && !form.contains(e.target)) setOpen(false);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !pop.hidden) setOpen(false);
  });

  saveBtn.addEventListener('click', () => saveCurrentSearch());
  const sync = () => {
    if (document.activeElement !== input) input.value = state.route.query;
    saveBtn.hidden = !state.route.query;
    const saved = isSaved(state.route.query);
    saveBtn.textContent = saved ? '★' : '☆';
    saveBtn.title = saved ? 'Saved search' : 'Save this search';
    saveBtn.disabled = saved;
  };
  on('route', sync);
  on('saved', sync);
  sync();
}

export function focusSearch() {
  const input = byId('search-input');
  input.focus();
  input.select();
}
