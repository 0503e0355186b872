// Envelope tab: what the SMTP session knew (MAIL FROM, RCPT TO, client, HELO, TLS, AUTH), the
// message's ids and List-Unsubscribe, and any MIME parse warnings.

import { h, replace } from '../dom.js';
import { exactTime, formatSize } from '../format.js';

const dash = (v) => (v === undefined || v === null || v === '' ? '—' : v);

export function renderEnvelopeTab(panel, msg) {
  const e = msg.Envelope || {};
  const rows = [
    ['MAIL FROM', e.MailFrom === '' ? '<> (null sender)' : dash(e.MailFrom)],
    ['RCPT TO', (e.RcptTo || []).length ? h('ul', { class: 'plain-list' }, e.RcptTo.map((r) => h('li', {}, r))) : '—'],
    ['Client address', dash(e.ClientAddress)],
    ['HELO / EHLO', dash(e.Helo)],
    ['TLS', e.TLS || 'none (plaintext)'],
    ['AUTH user', e.AuthUser || 'not authenticated'],
    ['SMTPUTF8', e.SMTPUTF8 ? 'yes' : 'no'],
    ['Body type', dash(e.BodyType)],
    ['Received', e.Received ? exactTime(e.Received) : '—'],
    ['Message-ID', dash(msg.MessageID)],
    ['Return-Path', dash(msg.ReturnPath)],
    ['Size', formatSize(msg.Size)],
    ['ID', msg.ID],
  ];
  const lu = msg.ListUnsubscribe || {};
  if (lu.Header) {
    rows.push(['List-Unsubscribe', h('ul', { class: 'plain-list' }, (lu.Links || []).map((l) => h('li', {}, l)))]);
    if (lu.HeaderPost) rows.push(['List-Unsubscribe-Post', lu.HeaderPost]);
    if (lu.Errors) rows.push(['List-Unsubscribe problems', lu.Errors]);
  }
  const warnings = msg.ParseWarnings || [];
  replace(panel,
    h('div', { class: 'table-wrap' }, h('table', { class: 'kv envelope-table' },
      h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v)))))),
    warnings.length
      ? [h('h3', { class: 'section-title' }, 'Parse warnings'), h('ul', { class: 'warning-list' }, warnings.map((w) => h('li', {}, w)))]
      : null);
}
