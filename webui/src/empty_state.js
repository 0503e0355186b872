// What an empty mailbox says: where to send mail, with commands to copy (swaks, curl to the
// send API, Python's smtplib) that use this server's real SMTP and HTTP addresses.

import { url } from './api.js';
import { h } from './dom.js';
import { toast } from './toast.js';

// The SMTP address as a client on this machine reaches it: a wildcard bind becomes the host
// the browser used.
export function smtpTarget(bound) {
  if (!bound) return `${window.location.hostname}:2525`;
  const i = bound.lastIndexOf(':');
  let host = bound.slice(0, i);
  const port = bound.slice(i + 1);
  if (host === '0.0.0.0' || host === '[::]' || host === '::') host = window.location.hostname;
  return `${host}:${port}`;
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API (plain HTTP on a non-local host): select the text for Ctrl+C.
    const pre = button.parentElement.querySelector('pre');
    const range = document.createRange();
    range.selectNodeContents(pre);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    toast('Press Ctrl+C to copy');
    return;
  }
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = 'Copy'; }, 1500);
}

function snippet(title, text) {
  const wrap = h('div', { class: 'snippet-box' },
    h('div', { class: 'snippet-head' }, h('span', {}, title)),
    h('pre', {}, h('code', {}, text)));
  const btn = h('button', { type: 'button', class: 'btn btn-small copy-btn', onclick: () => copy(text, btn) }, 'Copy');
  wrap.firstChild.append(btn);
  return wrap;
}

export function emptyState(boundSmtp) {
  const smtp = smtpTarget(boundSmtp);
  const [host, port] = [smtp.slice(0, smtp.lastIndexOf(':')), smtp.slice(smtp.lastIndexOf(':') + 1)];
  const sendURL = url('api/v1/send');
  const swaks = `swaks --server ${smtp} --to someone@example.com --from app@example.com \\\n  --header "Subject: Hello from swaks" --body "It works."`;
  const curl = `curl -s ${sendURL} -H 'Content-Type: application/json' -d '{\n  "From": {"Email": "app@example.com"},\n  "To": [{"Email": "someone@example.com"}],\n  "Subject": "Hello from curl", "Text": "It works."}'`;
  const py = `python3 -c 'import smtplib; smtplib.SMTP("${host}", ${port}).sendmail("app@example.com", ["someone@example.com"], "Subject: Hello\\r\\n\\r\\nIt works.\\r\\n")'`;
  return h('div', { class: 'empty-state', id: 'empty-state' },
    h('div', { class: 'empty-icon', 'aria-hidden': 'true' }, '✉'),
    h('h2', {}, 'No mail yet'),
    h('p', {}, 'Point your application’s SMTP settings at ', h('code', { class: 'smtp-addr' }, smtp),
      ' (no TLS, any login). Every message it sends shows up here the moment it arrives.'),
    snippet('swaks', swaks),
    snippet('curl (HTTP send API)', curl),
    snippet('Python', py));
}
