// The mailbox as the UI sees it: loads the page the route asks for (list or search), applies
// live events to it, and performs the user's mutations (read flags, deletes). Writes `state`
// and emits 'page' when the page changed, 'stats' when the totals changed.

import { api } from './api.js';
import { emit, setStats, state } from './store.js';

let loadSeq = 0;
let refreshTimer = null;

export async function loadPage({ quiet = false } = {}) {
  const seq = ++loadSeq;
  const { query, start } = state.route;
  if (!quiet) {
    state.loading = true;
    emit('loading', true);
  }
  try {
    const page = query ? await api.search(query, start, state.limit) : await api.messages(start, state.limit);
    if (seq !== loadSeq) return;
    state.page = page;
    state.error = null;
    state.newSinceLoad = 0;
    const ids = new Set(page.messages.map((m) => m.ID));
    for (const id of [...state.selected]) if (!ids.has(id)) state.selected.delete(id);
    state.cursor = Math.min(state.cursor, page.messages.length - 1);
    setStats(page.total, page.unread);
  } catch (e) {
    if (seq !== loadSeq) return;
    state.error = e;
  } finally {
    if (seq === loadSeq) {
      state.loading = false;
      emit('loading', false);
      emit('page', state.page);
    }
  }
}

// Many events in a burst (a test suite sending 500 mails) cost one reload.
export function refreshSoon(delay = 250) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => loadPage({ quiet: true }), delay);
}

const onFirstUnfilteredPage = () => !state.route.query && state.route.start === 0;

export function applyNew(summary) {
  const page = state.page;
  if (!page || !summary || !summary.ID) return;
  if (page.messages.some((m) => m.ID === summary.ID)) return;
  if (onFirstUnfilteredPage()) {
    page.messages.unshift(summary);
    if (page.messages.length > state.limit) page.messages.pop();
    page.count = page.messages.length;
    page.total += 1;
    page.messages_count += 1;
    if (!summary.Read) {
      page.unread += 1;
      page.messages_unread += 1;
    }
    if (state.cursor >= 0) state.cursor += 1;
    emit('page', page);
  } else if (state.route.query) {
    refreshSoon(); // the server decides whether it matches
  } else {
    state.newSinceLoad += 1;
    page.total += 1;
    page.messages_count += 1;
    emit('page', page);
  }
}

export function applyUpdate(data) {
  const m = state.page?.messages.find((x) => x.ID === data?.ID);
  if (!m) return;
  if (typeof data.Read === 'boolean' && m.Read !== data.Read) {
    m.Read = data.Read;
    // A `stats` frame follows with the exact totals; until then, count the change here.
    setStats(undefined, Math.max(0, state.stats.unread + (data.Read ? -1 : 1)));
  }
  if (Array.isArray(data.Tags)) m.Tags = data.Tags;
  emit('page', state.page);
}

export function applyDelete(data) {
  const page = state.page;
  if (!page || !data?.ID) return;
  const i = page.messages.findIndex((m) => m.ID === data.ID);
  if (i < 0) return;
  page.messages.splice(i, 1);
  state.selected.delete(data.ID);
  if (state.cursor >= page.messages.length) state.cursor = page.messages.length - 1;
  emit('page', page);
  refreshSoon(); // refill the page and correct the counts
}

export async function setRead(ids, read) {
  if (!ids.length) return;
  await api.setRead(ids, read);
  for (const m of state.page?.messages || []) if (ids.includes(m.ID)) m.Read = read;
  emit('page', state.page);
  refreshSoon(50);
}

export async function deleteMessages(ids) {
  if (!ids.length) return;
  await api.deleteIds(ids);
  for (const id of ids) applyDelete({ ID: id });
  refreshSoon(50);
}

// Delete everything, or every match of the current search.
export async function deleteAllShown() {
  if (state.route.query) await api.deleteSearch(state.route.query);
  else await api.deleteAll();
  state.selected.clear();
  await loadPage({ quiet: true });
}

export async function markAllRead() {
  await api.setReadAll(true, state.route.query);
  await loadPage({ quiet: true });
}
