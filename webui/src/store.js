// The UI's shared state and a tiny change notifier. Views read `state` and subscribe to the
// topics they draw; the live event stream and user actions write it through these helpers.

export const state = {
  route: { name: 'list', id: null, query: '', start: 0 },
  limit: 50,
  page: null, // the last list/search answer (MessagesSummary) for route.query/start
  loading: false,
  error: null, // an ApiError while loading the page
  selected: new Set(), // IDs ticked in the list
  cursor: -1, // index of the keyboard cursor in page.messages
  stats: { total: 0, unread: 0 }, // mailbox totals (from lists and `stats` events)
  config: { label: '', relay: false, smtp: '', version: '' },
  newSinceLoad: 0, // messages that arrived while the user looked at another page
};

const listeners = new Map();

export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
  return () => listeners.get(topic).delete(fn);
}

export function emit(topic, detail) {
  for (const fn of listeners.get(topic) || []) {
    try {
      fn(detail);
    } catch (e) {
      console.error(`listener for ${topic} failed`, e);
    }
  }
}

export function setStats(total, unread) {
  if (typeof total === 'number') state.stats.total = total;
  if (typeof unread === 'number') state.stats.unread = unread;
  emit('stats', state.stats);
}

const PAGE_SIZE_KEY = 'mailjar.pageSize';
export function loadPageSize() {
  const n = Number(localStorage.getItem(PAGE_SIZE_KEY));
  if ([25, 50, 100, 200].includes(n)) state.limit = n;
}
export function savePageSize(n) {
  state.limit = n;
  localStorage.setItem(PAGE_SIZE_KEY, String(n));
}
