// Headers tab: every header field (GET /api/v1/message/{ID}/headers) as a name/value table.

import { api } from '../api.js';
import { h, replace } from '../dom.js';

export async function renderHeadersTab(panel, msg) {
  replace(panel, h('p', { class: 'muted pad' }, 'Loading headers…'));
  const headers = await api.headers(msg.ID);
  const rows = [];
  for (const [name, values] of Object.entries(headers || {})) {
    for (const v of values) rows.push(h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, v)));
  }
  replace(panel, rows.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'kv headers-table' }, h('tbody', {}, rows)))
    : h('p', { class: 'muted pad' }, 'No headers.'));
}
