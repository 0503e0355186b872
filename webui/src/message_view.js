// One message: toolbar (back, previous/next, read flag, release, download, delete), the header
// block (subject, clickable addresses and tags, date, size), parse warnings, and the tabs
// HTML / Text / Headers / Raw / Attachments / Envelope. Opening it marks it read (Mailpit).

import { api } from './api.js';
import { setTitleSubject } from './badge.js';
import { h, replace } from './dom.js';
import { icon } from './icons.js';
import { addressText, exactTime, formatSize, relativeTime, searchValue } from './format.js';
import { deleteMessages, setRead } from './mailbox.js';
import { openReleaseDialog } from './release_dialog.js';
import { hrefFor, navigate } from './router.js';
import { state } from './store.js';
import { tagChip } from './list_view.js';
import { attachmentCount, renderAttachmentsTab } from './tabs/attachments_tab.js';
import { renderEnvelopeTab } from './tabs/envelope_tab.js';
import { renderHeadersTab } from './tabs/headers_tab.js';
import { renderHtmlTab } from './tabs/html_tab.js';
import { renderRawTab } from './tabs/raw_tab.js';
import { renderTextTab } from './tabs/text_tab.js';
import { toast, toastError } from './toast.js';

const TABS = [
  ['html', 'HTML', renderHtmlTab],
  ['text', 'Text', renderTextTab],
  ['headers', 'Headers', renderHeadersTab],
  ['raw', 'Raw', renderRawTab],
  ['attachments', 'Attachments', renderAttachmentsTab],
  ['envelope', 'Envelope', renderEnvelopeTab],
];
let preferredTab = 'html';

function neighbours(id) {
  const msgs = state.page?.messages || [];
  const i = msgs.findIndex((m) => m.ID === id);
  if (i < 0) return { prev: null, next: null };
  return { prev: msgs[i - 1] || null, next: msgs[i + 1] || null };
}

const listRoute = () => ({ name: 'list', query: state.route.query, start: state.route.start });
const messageRoute = (id) => ({ name: 'message', id, query: state.route.query, start: state.route.start });

function addressLinks(list, term) {
  return list.map((a, i) => [i ? ', ' : '', h('a', {
    class: 'addr', href: hrefFor({ query: `${term}:${searchValue(a.Address || a.Name)}` }), 'data-nav': true,
    title: `Show messages ${term === 'from' ? 'from' : 'to'} ${a.Address || a.Name}`,
  }, addressText(a))]);
}

export function createMessageView(main, id) {
  const root = h('section', { class: 'message-view', 'aria-label': 'Message' });
  replace(main, root);
  let msg = null;
  let current = null;
  let destroyed = false;

  replace(root, h('div', { class: 'toolbar' }, backButton()), h('p', { class: 'muted pad' }, 'Loading…'));
  api.message(id).then((m) => {
    if (destroyed) return;
    msg = m;
    const summary = state.page?.messages.find((x) => x.ID === id);
    if (summary) summary.Read = true;
    draw();
  }).catch((e) => {
    if (destroyed) return;
    replace(root, h('div', { class: 'toolbar' }, backButton()),
      h('div', { class: 'state-card state-error', role: 'alert' },
        h('h2', {}, [400, 404].includes(e.status) ? 'Message not found' : 'Could not load the message'),
        h('p', {}, [400, 404].includes(e.status) ? `It may have been deleted or pruned (${e.message}).` : e.message),
        h('a', { class: 'btn btn-primary', href: hrefFor(listRoute()), 'data-nav': true }, 'Back to the list')));
  });

  function backButton() {
    return h('a', { class: 'btn', href: hrefFor(listRoute()), 'data-nav': true, id: 'back', title: 'Back to the list (Esc)' }, icon('back'), h('span', { class: 'hide-narrow' }, 'Back'));
  }

  async function remove() {
    const { prev, next } = neighbours(id);
    try {
      await deleteMessages([id]);
    } catch (e) {
      toastError(e);
      return;
    }
    toast('Message deleted');
    const go = next || prev;
    navigate(go ? messageRoute(go.ID) : listRoute(), { replace: true });
  }

  async function toggleRead() {
    const summary = state.page?.messages.find((x) => x.ID === id);
    const read = summary ? !summary.Read : false;
    try {
      await setRead([id], read);
      toast(read ? 'Marked read' : 'Marked unread');
      drawToolbar();
    } catch (e) {
      toastError(e);
    }
  }

  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Message actions' });

  // The toolbar alone follows list changes (neighbours, read flag); the body is drawn once.
  function drawToolbar() {
    const { prev, next } = neighbours(id);
    const summary = state.page?.messages.find((x) => x.ID === id);
    const isRead = summary ? summary.Read : true;
    replace(toolbar,
      backButton(),
      h('a', { class: ['icon-btn', !prev && 'disabled'], href: prev ? hrefFor(messageRoute(prev.ID)) : null, 'data-nav': true, 'aria-label': 'Newer message', title: 'Newer (k)', id: 'msg-prev' }, '‹'),
      h('a', { class: ['icon-btn', !next && 'disabled'], href: next ? hrefFor(messageRoute(next.ID)) : null, 'data-nav': true, 'aria-label': 'Older message', title: 'Older (j)', id: 'msg-next' }, '›'),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'btn', id: 'toggle-read', onclick: toggleRead, title: 'r' }, isRead ? 'Mark unread' : 'Mark read'),
      state.config.relay ? h('button', { type: 'button', class: 'btn', id: 'release-btn', onclick: () => openReleaseDialog(msg) }, icon('send'), h('span', { class: 'hide-narrow' }, 'Release')) : null,
      h('a', { class: 'btn', href: api.rawDownloadURL(id), download: `${id}.eml`, title: 'Download .eml' }, icon('download'), h('span', { class: 'hide-narrow' }, '.eml')),
      h('button', { type: 'button', class: 'btn btn-danger', id: 'delete-msg', onclick: remove, title: 'Delete (Del)' }, icon('trash'), h('span', { class: 'hide-narrow' }, 'Delete')));
  }

  function draw() {
    setTitleSubject(msg.Subject || '(no subject)');
    drawToolbar();
    const addrRows = [
      ['From', msg.From ? [msg.From] : [], 'from'],
      ['To', msg.To || [], 'to'],
      ['Cc', msg.Cc || [], 'cc'],
      ['Bcc', msg.Bcc || [], 'bcc'],
      ['Reply-To', msg.ReplyTo || [], 'reply-to'],
    ].filter(([, list], i) => i < 2 || list.length);
    const head = h('header', { class: 'msg-head' },
      h('h1', { class: 'msg-subject', id: 'msg-subject' }, msg.Subject || '(no subject)'),
      (msg.Tags || []).length ? h('div', { class: 'msg-tags' }, msg.Tags.map(tagChip)) : null,
      h('dl', { class: 'msg-addrs' },
        addrRows.map(([label, list, term]) => [h('dt', {}, label), h('dd', {}, list.length ? addressLinks(list, term) : h('span', { class: 'muted' }, '—'))]),
        h('dt', {}, 'Date'), h('dd', {}, h('time', { datetime: msg.Date, title: relativeTime(msg.Date) }, exactTime(msg.Date)), h('span', { class: 'muted' }, ` · ${relativeTime(msg.Date)} · ${formatSize(msg.Size)}`))));
    const warnings = (msg.ParseWarnings || []).length
      ? h('div', { class: 'notice notice-warn', role: 'note' }, `This message has ${msg.ParseWarnings.length} parse warning${msg.ParseWarnings.length === 1 ? '' : 's'}: `, msg.ParseWarnings[0], msg.ParseWarnings.length > 1 ? ' … (see Envelope)' : '')
      : null;

    const available = TABS.filter(([key]) => key !== 'html' || msg.HTML);
    if (!available.some(([k]) => k === preferredTab)) current = msg.HTML ? 'html' : 'text';
    else current = preferredTab;
    const panel = h('div', { class: 'tab-panel', role: 'tabpanel', id: 'tab-panel' });
    const tabButtons = available.map(([key, label]) => {
      const n = key === 'attachments' ? attachmentCount(msg) : 0;
      return h('button', {
        type: 'button', role: 'tab', class: ['tab', key === current && 'active'], id: `tab-${key}`, dataset: { tab: key },
        'aria-selected': String(key === current), 'aria-controls': 'tab-panel',
        onclick: () => {
          preferredTab = key;
          show(key);
        },
      }, label, n ? h('span', { class: 'badge' }, String(n)) : null);
    });
    const tabs = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Message parts' }, tabButtons);

    function show(key) {
      current = key;
      for (const b of tabButtons) {
        b.classList.toggle('active', b.dataset.tab === key);
        b.setAttribute('aria-selected', String(b.dataset.tab === key));
      }
      const render = TABS.find(([k]) => k === key)[2];
      Promise.resolve(render(panel, msg)).catch((e) => {
        replace(panel, h('div', { class: 'notice notice-error' }, `Could not load this part: ${e.message}`));
      });
    }
    view.show = (n) => {
      const t = available[n];
      if (t) {
        preferredTab = t[0];
        show(t[0]);
      }
    };

    replace(root, toolbar, h('article', { class: 'message' }, head, warnings, tabs, panel));
    show(current);
  }

  const view = {
    keys: {
      j: () => { const { next } = neighbours(id); if (next) navigate(messageRoute(next.ID)); },
      k: () => { const { prev } = neighbours(id); if (prev) navigate(messageRoute(prev.ID)); },
      ArrowRight: () => { const { next } = neighbours(id); if (next) navigate(messageRoute(next.ID)); },
      ArrowLeft: () => { const { prev } = neighbours(id); if (prev) navigate(messageRoute(prev.ID)); },
      Escape: () => navigate(listRoute()),
      Delete: () => remove(),
      r: () => toggleRead(),
      ...Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [String(n), () => view.show?.(n - 1)])),
    },
    redraw() {
      if (msg) drawToolbar();
    },
    destroy() {
      destroyed = true;
      setTitleSubject('');
    },
  };
  return view;
}
