// Formatting values for display: times (relative and exact), sizes, addresses. Pure functions.

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const exact = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const shortTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const longDate = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

export function exactTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? '') : exact.format(d);
}

// "just now", "5 minutes ago", "yesterday", ...
export function relativeTime(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const s = Math.round((t - now) / 1000);
  const a = Math.abs(s);
  if (a < 45) return 'just now';
  if (a < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (a < 86400 * 30) return rtf.format(Math.round(s / 86400), 'day');
  if (a < 86400 * 365) return rtf.format(Math.round(s / (86400 * 30)), 'month');
  return rtf.format(Math.round(s / (86400 * 365)), 'year');
}

// Compact time for list rows: time today, "Mar 3" this year, else the full date.
export function listTime(iso, now = new Date()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  if (d.toDateString() === now.toDateString()) return shortTime.format(d);
  if (d.getFullYear() === now.getFullYear()) return shortDate.format(d);
  return longDate.format(d);
}

export function formatSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export const formatCount = (n) => new Intl.NumberFormat().format(Number(n) || 0);

// "Name <addr>" or "addr"; the name alone when short is wanted.
export function addressText(a, { short = false } = {}) {
  if (!a) return '';
  const name = (a.Name || '').trim();
  const addr = (a.Address || '').trim();
  if (short) return name || addr || '(no address)';
  if (name && addr) return `${name} <${addr}>`;
  return name || addr;
}

export function addressListText(list, opts) {
  return (list || []).map((a) => addressText(a, opts)).filter(Boolean).join(', ');
}

// A search term value, quoted when it holds spaces or quotes.
export function searchValue(v) {
  const s = String(v ?? '');
  return /[\s"]/.test(s) || s === '' ? `"${s.replace(/"/g, '')}"` : s;
}

export function plural(n, one, many = `${one}s`) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
