// The mailbox list: toolbar (select, read flags, delete, paging), rows with sender, recipients,
// subject, snippet, tags, attachment mark, size and time, and the empty/error/no-match states.
// Redrawn from `state.page` whenever it changes; keyboard cursor and selection live in `state`.

import { confirmDialog } from './dialogs.js';
import { h, replace } from './dom.js';
import { emptyState } from './empty_state.js';
import { icon } from './icons.js';
import { addressListText, addressText, exactTime, formatCount, formatSize, listTime, relativeTime, searchValue } from './format.js';
import { deleteAllShown, deleteMessages, loadPage, markAllRead, setRead } from './mailbox.js';
import { hrefFor, navigate } from './router.js';
import { isSaved, saveCurrentSearch } from './saved_searches.js';
import { emit, on, savePageSize, state } from './store.js';
import { toast, toastError } from './toast.js';

export function tagChip(tag) {
  return h('a', {
    class: 'tag', href: hrefFor({ query: `tag:${searchValue(tag)}` }), 'data-nav': true, title: `Show messages tagged ${tag}`,
  }, tag);
}

function selectedOrCursor() {
  if (state.selected.size) return [...state.selected];
  const m = state.page?.messages[state.cursor];
  return m ? [m.ID] : [];
}

export function createListView(main) {
  const root = h('section', { class: 'list-view', 'aria-label': 'Messages' });
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Message actions' });
  const notice = h('div', { class: 'notice-slot' });
  const list = h('ul', { class: 'msg-list', id: 'msg-list', 'aria-live': 'polite' });
  const body = h('div', { class: 'list-body' }, list);
  root.append(toolbar, notice, body);
  replace(main, root);

  const unsubscribers = [on('page', draw), on('loading', drawLoading), on('selection', draw)];
  const timer = setInterval(refreshTimes, 30_000);

  function drawLoading(loading) {
    root.classList.toggle('is-loading', loading);
  }

  function drawToolbar() {
    const page = state.page;
    const msgs = page?.messages || [];
    const allTicked = msgs.length > 0 && msgs.every((m) => state.selected.has(m.ID));
    const someTicked = state.selected.size > 0;
    const selectAll = h('input', {
      type: 'checkbox', class: 'check', 'aria-label': 'Select all on this page', id: 'select-all', checked: allTicked,
      onchange: (e) => {
        state.selected.clear();
        if (e.target.checked) for (const m of msgs) state.selected.add(m.ID);
        emit('selection');
      },
    });
    selectAll.indeterminate = someTicked && !allTicked;
    const total = page ? page.messages_count : 0;
    const start = state.route.start;
    const first = msgs.length ? start + 1 : 0;
    const last = start + msgs.length;
    const act = (fn) => async () => {
      try {
        await fn();
      } catch (e) {
        toastError(e);
      }
    };
    replace(toolbar,
      h('label', { class: 'check-wrap', title: 'Select all' }, selectAll),
      someTicked
        ? [
          h('span', { class: 'sel-count' }, `${formatCount(state.selected.size)} selected`),
          h('button', { type: 'button', class: 'btn', id: 'mark-read', onclick: act(() => setRead([...state.selected], true)) }, 'Mark read'),
          h('button', { type: 'button', class: 'btn', id: 'mark-unread', onclick: act(() => setRead([...state.selected], false)) }, 'Mark unread'),
          h('button', { type: 'button', class: 'btn btn-danger', id: 'delete-selected', onclick: act(deleteSelected) }, 'Delete'),
        ]
        : [
          h('button', { type: 'button', class: 'btn', id: 'refresh', title: 'Reload', onclick: () => loadPage() }, icon('refresh'), h('span', { class: 'hide-narrow' }, 'Refresh')),
          h('button', { type: 'button', class: 'btn', id: 'mark-all-read', disabled: !(page && (state.route.query ? page.messages_unread : page.unread)), title: 'Mark all read', onclick: act(markAllRead) }, icon('check'), h('span', { class: 'hide-narrow' }, 'Mark all read')),
          h('button', {
            type: 'button', class: 'btn btn-danger-outline', id: 'delete-all', disabled: !total,
            hidden: state.config.hideDeleteAll && !state.route.query, onclick: act(deleteAll),
            title: state.route.query ? 'Delete every match' : 'Delete every message',
          }, icon('trash'), h('span', { class: 'hide-narrow' }, state.route.query ? 'Delete matches' : 'Delete all')),
        ],
      h('span', { class: 'spacer' }),
      h('span', { class: 'pager-text', id: 'pager-text' }, total ? `${formatCount(first)}–${formatCount(last)} of ${formatCount(total)}` : ''),
      h('button', {
        type: 'button', class: 'icon-btn', id: 'page-prev', 'aria-label': 'Newer', title: 'Newer', disabled: start === 0,
        onclick: () => navigate({ ...state.route, start: Math.max(0, start - state.limit) }),
      }, '‹'),
      h('button', {
        type: 'button', class: 'icon-btn', id: 'page-next', 'aria-label': 'Older', title: 'Older', disabled: last >= total,
        onclick: () => navigate({ ...state.route, start: start + state.limit }),
      }, '›'),
      h('select', {
        class: 'page-size hide-narrow', 'aria-label': 'Messages per page', title: 'Messages per page',
        onchange: (e) => {
          savePageSize(Number(e.target.value));
          if (state.route.start === 0) loadPage();
          else navigate({ ...state.route, start: 0 });
        },
      }, [25, 50, 100, 200].map((n) => h('option', { value: n, selected: n === state.limit }, `${n} / page`))),
    );
  }

  async function deleteSelected() {
    const ids = selectedOrCursor();
    if (!ids.length) return;
    if (ids.length > 1 && !(await confirmDialog(`Delete ${formatCount(ids.length)} messages?`, { ok: 'Delete', danger: true }))) return;
    await deleteMessages(ids);
    toast(ids.length === 1 ? 'Message deleted' : `${formatCount(ids.length)} messages deleted`);
  }

  async function deleteAll() {
    const q = state.route.query;
    const n = state.page?.messages_count || 0;
    const text = q ? `Delete all ${formatCount(n)} messages matching “${q}”?` : `Delete all ${formatCount(n)} messages? This cannot be undone.`;
    if (!(await confirmDialog(text, { title: q ? 'Delete matches' : 'Delete all messages', ok: 'Delete', danger: true }))) return;
    await deleteAllShown();
    toast('Deleted');
  }

  function drawNotice() {
    const q = state.route.query;
    const parts = [];
    if (state.newSinceLoad > 0) {
      parts.push(h('div', { class: 'notice' },
        `${formatCount(state.newSinceLoad)} new since this page loaded. `,
        h('a', { href: hrefFor({ query: q }), 'data-nav': true }, 'Show newest')));
    }
    if (q && state.page) {
      const saved = isSaved(q);
      parts.push(h('div', { class: 'notice notice-search' },
        h('span', {}, `${formatCount(state.page.messages_count)} ${state.page.messages_count === 1 ? 'match' : 'matches'} for `),
        h('code', { class: 'q' }, q),
        h('span', { class: 'spacer' }),
        saved ? null : h('button', { type: 'button', class: 'btn btn-small', onclick: () => saveCurrentSearch() }, '☆ Save search'),
        h('a', { class: 'btn btn-small', href: hrefFor({}), 'data-nav': true }, 'Clear')));
    }
    replace(notice, parts);
  }

  function row(m, i) {
    const ticked = state.selected.has(m.ID);
    const from = m.From ? addressText(m.From, { short: true }) : '(no sender)';
    const to = addressListText([...(m.To || []), ...(m.Cc || [])], { short: true });
    const link = h('a', { class: 'msg-link', href: hrefFor({ name: 'message', id: m.ID, query: state.route.query, start: state.route.start }), 'data-nav': true },
      h('span', { class: 'from', title: m.From ? addressText(m.From) : '' }, from),
      h('span', { class: 'to', title: addressListText([...(m.To || []), ...(m.Cc || []), ...(m.Bcc || [])]) }, to ? `to ${to}` : ''),
      h('span', { class: 'subject' }, m.Subject || '(no subject)'),
      h('span', { class: 'snippet' }, m.Snippet || ''));
    const meta = h('div', { class: 'msg-meta' },
      (m.Tags || []).map(tagChip),
      m.Attachments ? h('span', { class: 'attach', title: `${m.Attachments} attachment${m.Attachments === 1 ? '' : 's'}` }, icon('attach', { size: 15, label: 'attachments' }), m.Attachments > 1 ? String(m.Attachments) : '') : null,
      h('span', { class: 'size' }, formatSize(m.Size)),
      h('time', { class: 'time', datetime: m.Created, title: `${exactTime(m.Created)} (${relativeTime(m.Created)})` }, listTime(m.Created)));
    return h('li', {
      class: ['msg-row', !m.Read && 'unread', ticked && 'selected', i === state.cursor && 'cursor'],
      dataset: { id: m.ID, index: String(i) },
    },
    h('label', { class: 'check-wrap' }, h('input', {
      type: 'checkbox', class: 'check', checked: ticked, 'aria-label': `Select “${m.Subject || '(no subject)'}”`,
      onchange: (e) => {
        if (e.target.checked) state.selected.add(m.ID);
        else state.selected.delete(m.ID);
        emit('selection');
      },
    })),
    h('span', { class: 'unread-dot', title: m.Read ? '' : 'Unread', 'aria-label': m.Read ? null : 'unread' }),
    link, meta);
  }

  function draw() {
    drawToolbar();
    drawNotice();
    const page = state.page;
    body.classList.remove('has-state');
    if (state.error && !page) {
      body.classList.add('has-state');
      replace(body, errorState(state.error));
      return;
    }
    if (!page) return;
    if (!page.messages.length) {
      body.classList.add('has-state');
      if (state.route.query) replace(body, noMatches(state.route.query));
      else if (state.route.start > 0 && page.messages_count > 0) replace(body, h('div', { class: 'state-card' }, h('p', {}, 'This page is empty.'), h('a', { class: 'btn', href: hrefFor({}), 'data-nav': true }, 'Go to the newest')));
      else replace(body, emptyState(state.config.smtp));
      return;
    }
    replace(list, page.messages.map(row));
    if (list.parentNode !== body) replace(body, list);
    // For the performance test (and DevTools): when rows first became clickable after navigation.
    if (!performance.getEntriesByName('mailjar:list-ready').length) performance.mark('mailjar:list-ready');
    if (state.error) notice.append(h('div', { class: 'notice notice-error' }, `Could not refresh: ${state.error.message}`));
  }

  function refreshTimes() {
    for (const t of list.querySelectorAll('time.time')) {
      const iso = t.getAttribute('datetime');
      t.textContent = listTime(iso);
      t.title = `${exactTime(iso)} (${relativeTime(iso)})`;
    }
  }

  function moveCursor(delta) {
    const n = state.page?.messages.length || 0;
    if (!n) return;
    state.cursor = Math.max(0, Math.min(n - 1, (state.cursor < 0 ? (delta > 0 ? -1 : n) : state.cursor) + delta));
    for (const el of list.querySelectorAll('.msg-row.cursor')) el.classList.remove('cursor');
    const el = list.children[state.cursor];
    if (el) {
      el.classList.add('cursor');
      el.scrollIntoView({ block: 'nearest' });
    }
  }

  draw();

  return {
    keys: {
      j: () => moveCursor(1),
      k: () => moveCursor(-1),
      ArrowDown: () => moveCursor(1),
      ArrowUp: () => moveCursor(-1),
      Enter: () => {
        const m = state.page?.messages[state.cursor];
        if (m) navigate({ name: 'message', id: m.ID, query: state.route.query, start: state.route.start });
      },
      x: () => {
        const m = state.page?.messages[state.cursor];
        if (!m) return;
        if (state.selected.has(m.ID)) state.selected.delete(m.ID);
        else state.selected.add(m.ID);
        emit('selection');
      },
      Delete: () => deleteSelected().catch(toastError),
      r: () => {
        const ids = selectedOrCursor();
        const msgs = (state.page?.messages || []).filter((m) => ids.includes(m.ID));
        if (!msgs.length) return;
        setRead(ids, msgs.some((m) => !m.Read)).catch(toastError);
      },
    },
    destroy() {
      clearInterval(timer);
      for (const u of unsubscribers) u();
    },
  };
}

function errorState(e) {
  const unreachable = e.status === 0;
  return h('div', { class: 'state-card state-error', role: 'alert' },
    h('h2', {}, unreachable ? 'mailjar is not reachable' : 'Could not load messages'),
    h('p', {}, unreachable ? 'The server did not answer. Is mailjar still running? Live updates reconnect by themselves.' : e.message),
    h('button', { type: 'button', class: 'btn btn-primary', onclick: () => loadPage() }, 'Try again'));
}

function noMatches(q) {
  return h('div', { class: 'state-card' },
    h('h2', {}, 'No messages match'),
    h('p', {}, h('code', { class: 'q' }, q)),
    h('p', { class: 'muted' }, 'Terms are ANDed; prefix a term with - to exclude it. Press ? next to the search box for every term.'),
    h('a', { class: 'btn', href: hrefFor({}), 'data-nav': true }, 'Show all messages'));
}
