// Boot: reads what the server wrote into the page (SMTP address), loads the UI settings, wires
// the top bar, sidebar, search, live updates and shortcuts, and swaps the main view by route.

import { api } from './api.js';
import { initBadge } from './badge.js';
import { byId } from './dom.js';
import { initKeys, showShortcuts } from './keys.js';
import { createListView } from './list_view.js';
import { loadPage } from './mailbox.js';
import { createMessageView } from './message_view.js';
import { initNotifications } from './notify.js';
import { navigate, startRouter } from './router.js';
import { focusSearch, initSearchBox } from './search_box.js';
import { initNavLinks, initSidebar } from './sidebar.js';
import { connectLive } from './live.js';
import { emit, loadPageSize, on, state } from './store.js';
import { initTheme } from './theme.js';
import { toast } from './toast.js';

let view = null;
let viewKey = '';

function render({ prev, next }) {
  const main = byId('main');
  const key = next.name === 'message' ? `m:${next.id}` : `l:${next.query}:${next.start}`;
  if (key !== viewKey) {
    view?.destroy();
    viewKey = key;
    view = next.name === 'message' ? createMessageView(main, next.id) : createListView(main);
    main.scrollTop = 0;
    if (next.name === 'list') main.focus({ preventScroll: true });
  }
  if (!state.page || !prev || prev.query !== next.query || prev.start !== next.start) {
    state.cursor = -1;
    state.selected.clear();
    loadPage();
  }
}

async function loadSettings() {
  state.config.smtp = document.querySelector('meta[name="mailjar-smtp"]')?.content || '';
  try {
    const w = await api.webui();
    state.config.label = w.Label || '';
    state.config.relay = Boolean(w.MessageRelay?.Enabled);
    state.config.relayInfo = w.MessageRelay || {};
    state.config.hideDeleteAll = Boolean(w.HideDeleteAllButton);
  } catch {
    // The UI still works without its settings.
  }
  const label = byId('label');
  label.textContent = state.config.label;
  label.hidden = !state.config.label;
  emit('config', state.config);
  view?.redraw?.();
}

function boot() {
  loadPageSize();
  initTheme();
  initBadge();
  initNavLinks();
  initSidebar();
  initSearchBox();
  initNotifications();
  on('route', render);
  on('page', () => view?.redraw?.());
  on('server-error', (d) => {
    if (d?.Message) toast(`SMTP: ${d.Message}`, { kind: 'error' });
  });
  initKeys(() => view?.keys, {
    '/': () => focusSearch(),
    '?': () => showShortcuts(),
    Escape: () => {
      if (state.route.name === 'list' && (state.route.query || state.selected.size)) {
        if (state.selected.size) {
          state.selected.clear();
          emit('selection');
        } else navigate({ name: 'list' });
      }
    },
  });
  byId('keys-btn').addEventListener('click', showShortcuts);
  startRouter();
  loadSettings();
  connectLive();
}

boot();
