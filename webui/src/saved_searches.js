// Named searches kept in this browser (localStorage), listed in the sidebar.

import { promptDialog } from './dialogs.js';
import { emit, state } from './store.js';
import { toast } from './toast.js';

const KEY = 'mailjar.savedSearches';

export function savedSearches() {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(v) ? v.filter((s) => s && typeof s.name === 'string' && typeof s.query === 'string') : [];
  } catch {
    return [];
  }
}

function store(list) {
  localStorage.setItem(KEY, JSON.stringify(list));
  emit('saved');
}

export const isSaved = (query) => savedSearches().some((s) => s.query === query);

export async function saveCurrentSearch() {
  const query = state.route.query;
  if (!query) return;
  const name = await promptDialog('Name', { title: 'Save search', value: query.slice(0, 60) });
  if (!name) return;
  const list = savedSearches().filter((s) => s.name !== name);
  list.push({ name, query });
  list.sort((a, b) => a.name.localeCompare(b.name));
  store(list);
  toast(`Saved “${name}”`);
}

export function removeSavedSearch(name) {
  store(savedSearches().filter((s) => s.name !== name));
}
