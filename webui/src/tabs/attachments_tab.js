// Attachments tab: attachments and inline parts with name, type, size, checksums, a download
// link and, for images, a thumbnail.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { formatSize } from '../format.js';

function extension(name) {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name || '');
  return m ? m[1].toUpperCase() : 'FILE';
}

function card(msg, a, kind) {
  const name = a.FileName || a.ContentID || `part ${a.PartID}`;
  const isImage = /^image\//i.test(a.ContentType || '');
  const preview = isImage
    ? h('img', { class: 'thumb', src: api.thumbURL(msg.ID, a.PartID), alt: '', loading: 'lazy' })
    : h('span', { class: 'file-icon', 'aria-hidden': 'true' }, extension(name));
  const sums = a.Checksums || {};
  return h('li', { class: 'att-card', dataset: { part: a.PartID } },
    h('a', { class: 'att-preview', href: api.partURL(msg.ID, a.PartID), download: name, title: `Download ${name}` }, preview),
    h('div', { class: 'att-info' },
      h('div', { class: 'att-name', title: name }, name),
      h('div', { class: 'muted att-type' }, `${a.ContentType || 'application/octet-stream'} · ${formatSize(a.Size)}${kind === 'inline' ? ' · inline' : ''}`),
      h('details', { class: 'sums' }, h('summary', {}, 'Checksums'),
        h('dl', {}, ['MD5', 'SHA1', 'SHA256'].filter((k) => sums[k]).map((k) => [h('dt', {}, k), h('dd', {}, h('code', {}, sums[k]))]))),
      h('a', { class: 'btn btn-small', href: api.partURL(msg.ID, a.PartID), download: name }, icon('download'), 'Download')));
}

export function attachmentCount(msg) {
  return (msg.Attachments || []).length + (msg.Inline || []).length;
}

export function renderAttachmentsTab(panel, msg) {
  const atts = (msg.Attachments || []).map((a) => card(msg, a, 'attachment'));
  const inl = (msg.Inline || []).map((a) => card(msg, a, 'inline'));
  if (!atts.length && !inl.length) {
    replace(panel, h('p', { class: 'muted pad' }, 'No attachments.'));
    return;
  }
  replace(panel,
    atts.length ? [h('h3', { class: 'section-title' }, 'Attachments'), h('ul', { class: 'att-grid' }, atts)] : null,
    inl.length ? [h('h3', { class: 'section-title' }, 'Inline parts'), h('ul', { class: 'att-grid' }, inl)] : null);
}
