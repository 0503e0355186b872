// Release: send a captured message on to real recipients through the configured relay (or MX
// delivery). Asks for recipients (pre-filled with the message's), posts
// /api/v1/message/{ID}/release, then shows GET /api/v1/message/{ID}/deliveries: per recipient
// status and the attempts with their SMTP transcripts. Renders whatever fields are present.

import { api } from './api.js';
import { openDialog } from './dialogs.js';
import { h, replace } from './dom.js';
import { exactTime } from './format.js';
import { state } from './store.js';

const UNSETTLED = new Set(['pending', 'queued', 'deferred', 'in_flight', 'sending']);
const splitAddresses = (s) => s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);

// C: what mailjar sent, S: what the server replied, *: what happened (connect, TLS, errors).
function transcriptMark(dir) {
  const d = String(dir || '').toUpperCase();
  if (d === 'C' || d === 'OUT' || d === '>') return 'C:';
  if (d === 'S' || d === 'IN' || d === '<') return 'S:';
  return '*';
}

function attemptRecipient(r) {
  if (typeof r === 'string') return `to ${r}`;
  return [r.Address, r.Status, r.Code ? String(r.Code) : '', r.Reply].filter(Boolean).join(' · ');
}

function deliveryLog(data) {
  const list = data?.Deliveries || [];
  if (!list.length) return h('p', { class: 'muted' }, 'No deliveries recorded yet.');
  return h('div', { class: 'deliveries' }, list.map((d) => h('section', { class: 'delivery' },
    h('div', { class: 'delivery-head' },
      h('strong', {}, d.Mode ? `${d.Mode} delivery` : 'Delivery'),
      d.Created ? h('span', { class: 'muted' }, ` · ${exactTime(d.Created)}`) : null,
      d.From ? h('span', { class: 'muted' }, ` · from ${d.From}`) : null),
    h('table', { class: 'kv recipients-table' }, h('tbody', {}, (d.Recipients || []).map((r) => h('tr', {},
      h('th', {}, r.Address || ''),
      h('td', {}, h('span', { class: ['status', `status-${String(r.Status || '').toLowerCase()}`] }, r.Status || '?'),
        r.Attempts !== undefined ? h('span', { class: 'muted' }, ` · ${r.Attempts} attempt${r.Attempts === 1 ? '' : 's'}`) : null,
        r.NextAttempt ? h('span', { class: 'muted' }, ` · next ${exactTime(r.NextAttempt)}`) : null,
        r.LastReply ? h('div', { class: 'reply' }, r.LastReply) : null))))),
    (d.Attempts || []).length ? h('details', { class: 'attempts' },
      h('summary', {}, `${d.Attempts.length} attempt${d.Attempts.length === 1 ? '' : 's'}`),
      d.Attempts.map((a) => h('div', { class: 'attempt' },
        h('div', {}, a.Time ? exactTime(a.Time) : '', a.Host ? ` · ${a.Host}` : '', a.Address ? ` (${a.Address})` : '', a.TLS ? ` · ${a.TLS}` : ''),
        (a.Recipients || []).length ? h('ul', { class: 'plain-list muted' }, a.Recipients.map((r) => h('li', {}, attemptRecipient(r)))) : null,
        a.TLSProblem ? h('div', { class: 'muted' }, `TLS: ${a.TLSProblem}`) : null,
        a.Error ? h('div', { class: 'notice notice-error' }, a.Error) : null,
        (a.Transcript || []).length ? h('pre', { class: 'transcript' }, a.Transcript.map((t) => `${transcriptMark(t.Dir)} ${t.Text}\n`).join('')) : null))) : null)));
}

export function openReleaseDialog(msg) {
  const relay = state.config.relayInfo || {};
  const recipients = [...(msg.To || []), ...(msg.Cc || []), ...(msg.Bcc || [])].map((a) => a.Address).filter(Boolean);
  const input = h('textarea', { class: 'input', rows: 3, id: 'release-to', 'aria-label': 'Recipients' }, recipients.join(', '));
  const result = h('div', { class: 'release-result', 'aria-live': 'polite' });
  const log = h('div', { class: 'release-log' });
  const facts = [
    relay.SMTPServer ? ['Relay', relay.SMTPServer] : ['Delivery', 'directly to the recipients’ MX hosts'],
    relay.AllowedRecipients ? ['Allowed recipients', relay.AllowedRecipients] : null,
    relay.BlockedRecipients ? ['Blocked recipients', relay.BlockedRecipients] : null,
    relay.ReturnPath ? ['Return-Path', relay.ReturnPath] : null,
    relay.OverrideFrom ? ['From is replaced by', relay.OverrideFrom] : null,
  ].filter(Boolean);

  // Re-read while a recipient is still in flight, as long as the dialog is open.
  let timer = null;
  async function refreshLog() {
    clearTimeout(timer);
    try {
      const data = await api.deliveries(msg.ID);
      replace(log, h('h3', { class: 'section-title' }, 'Delivery log'), deliveryLog(data));
      const busy = (data?.Deliveries || []).some((d) => (d.Recipients || []).some((r) => UNSETTLED.has(String(r.Status || '').toLowerCase())));
      if (busy && log.isConnected) timer = setTimeout(refreshLog, 1500);
    } catch (e) {
      replace(log, e.status === 404 || e.status === 405 ? null : h('p', { class: 'muted' }, `Delivery log unavailable: ${e.message}`));
    }
  }

  openDialog({
    title: 'Release message',
    className: 'release-dialog',
    onClose: () => clearTimeout(timer),
    body: [
      h('p', {}, 'Send “', msg.Subject || '(no subject)', '” to real recipients.'),
      h('table', { class: 'kv' }, h('tbody', {}, facts.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))))),
      h('label', { class: 'field' }, h('span', {}, 'Recipients (comma or space separated)'), input),
      result, log,
    ],
    actions: [
      { label: 'Close', value: null },
      {
        label: 'Release', primary: true, submit: true, id: 'release-send',
        onclick: async () => {
          const to = splitAddresses(input.value);
          if (!to.length) {
            replace(result, h('div', { class: 'notice notice-error' }, 'Enter at least one recipient.'));
            return;
          }
          replace(result, h('div', { class: 'notice' }, 'Releasing…'));
          try {
            await api.release(msg.ID, to);
            replace(result, h('div', { class: 'notice notice-ok' }, `Released to ${to.join(', ')}.`));
          } catch (e) {
            replace(result, h('div', { class: 'notice notice-error' }, e.message));
          }
          refreshLog();
        },
      },
    ],
  });
  refreshLog();
}
