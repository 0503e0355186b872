// Raw tab: the exact message source as received (shown up to 2 MB), with a download as .eml.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { formatSize } from '../format.js';

const SHOW_LIMIT = 2 * 1024 * 1024;

export async function renderRawTab(panel, msg) {
  const download = h('a', { class: 'btn btn-small', href: api.rawDownloadURL(msg.ID), download: `${msg.ID}.eml`, id: 'download-eml' }, icon('download'), 'Download .eml');
  replace(panel, h('div', { class: 'tab-tools' }, h('span', { class: 'muted' }, formatSize(msg.Size)), h('span', { class: 'spacer' }), download),
    h('p', { class: 'muted pad' }, 'Loading source…'));
  const raw = await api.raw(msg.ID);
  const cut = raw.length > SHOW_LIMIT;
  replace(panel,
    h('div', { class: 'tab-tools' },
      h('span', { class: 'muted' }, cut ? `First ${formatSize(SHOW_LIMIT)} of ${formatSize(msg.Size)} shown` : formatSize(msg.Size)),
      h('span', { class: 'spacer' }), download),
    h('pre', { class: 'raw-body' }, cut ? raw.slice(0, SHOW_LIMIT) : raw));
}
