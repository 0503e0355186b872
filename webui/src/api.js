// The mailjar HTTP API as the UI uses it. Every URL is relative, resolved against <base href>
// (the --webroot the server wrote into index.html), so the UI works under any prefix.
// Failures throw ApiError with the HTTP status and the server's text reason.

export class ApiError extends Error {
  constructor(status, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
  }
}

const zone = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    return '';
  }
})();

export function url(path, query = {}) {
  const u = new URL(path, document.baseURI);
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
  }
  return u.toString();
}

// The answer prefetch.js started for this list page, if it asked for the same one (used once).
function takePrefetched(query, start, limit) {
  const p = window.mailjarPrefetch;
  if (!p || p.key !== `${query}\n${start}\n${limit}`) return null;
  window.mailjarPrefetch = null;
  return p.response;
}

async function answer(resPromise, as) {
  let res;
  try {
    res = await resPromise;
  } catch (e) {
    throw new ApiError(0, `mailjar is not reachable (${e.message})`);
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).trim();
    throw new ApiError(res.status, text || `${res.status} ${res.statusText}`);
  }
  if (as === 'text') return res.text();
  if (as === 'none') return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

async function call(method, path, { query, body, as = 'json' } = {}) {
  const init = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return answer(fetch(url(path, query), init), as);
}

const enc = encodeURIComponent;

export const api = {
  messages: (start, limit) => {
    const pre = takePrefetched('', start, limit);
    return pre ? answer(pre, 'json') : call('GET', 'api/v1/messages', { query: { start, limit } });
  },
  search: (query, start, limit) => {
    const pre = takePrefetched(query, start, limit);
    return pre ? answer(pre, 'json') : call('GET', 'api/v1/search', { query: { query, start, limit, tz: zone } });
  },
  message: (id) => call('GET', `api/v1/message/${enc(id)}`),
  headers: (id) => call('GET', `api/v1/message/${enc(id)}/headers`),
  raw: (id) => call('GET', `api/v1/message/${enc(id)}/raw`, { as: 'text' }),
  setRead: (ids, read) => call('PUT', 'api/v1/messages', { body: { IDs: ids, Read: read }, as: 'none' }),
  setReadAll: (read, search) =>
    call('PUT', 'api/v1/messages', { body: search ? { Search: search, Read: read } : { Read: read }, as: 'none' }),
  deleteIds: (ids) => call('DELETE', 'api/v1/messages', { body: { IDs: ids }, as: 'none' }),
  deleteAll: () => call('DELETE', 'api/v1/messages', { body: { IDs: [] }, as: 'none' }),
  deleteSearch: (query) => call('DELETE', 'api/v1/search', { query: { query, tz: zone }, as: 'none' }),
  info: () => call('GET', 'api/v1/info'),
  webui: () => call('GET', 'api/v1/webui'),
  release: (id, to) => call('POST', `api/v1/message/${enc(id)}/release`, { body: { To: to }, as: 'text' }),
  deliveries: (id) => call('GET', `api/v1/message/${enc(id)}/deliveries`),

  viewHtmlURL: (id) => url(`view/${enc(id)}.html`),
  rawDownloadURL: (id) => url(`api/v1/message/${enc(id)}/raw`, { dl: 1 }),
  partURL: (id, part) => url(`api/v1/message/${enc(id)}/part/${enc(part)}`),
  thumbURL: (id, part) => url(`api/v1/message/${enc(id)}/part/${enc(part)}/thumb`),
  eventsURL: () => {
    const u = new URL('api/events', document.baseURI);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.toString();
  },
};
