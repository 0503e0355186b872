// Live updates: the WebSocket /api/events (Mailpit's frames: new, stats, update, delete, prune,
// truncate, error). Reconnects by itself with a growing delay, and reloads the page after a
// reconnect (events sent while it was away are gone). Shows the connection state in the top bar.

import { api } from './api.js';
import { byId } from './dom.js';
import { applyDelete, applyNew, applyUpdate, refreshSoon } from './mailbox.js';
import { emit, setStats } from './store.js';

let socket = null;
let retryDelay = 1000;
let everOpen = false;

function setConnState(s) {
  const el = byId('conn');
  el.dataset.state = s;
  el.title = { open: 'Live: new mail appears by itself', connecting: 'Connecting for live updates…', closed: 'Live updates lost: reconnecting…' }[s];
  document.documentElement.dataset.live = s;
}

function handle(frame) {
  const { Type: type, Data: data } = frame || {};
  switch (type) {
    case 'new':
      applyNew(data);
      emit('new-message', data);
      break;
    case 'stats':
      if (data) setStats(data.Total, data.Unread);
      break;
    case 'update':
      applyUpdate(data);
      emit('message-updated', data);
      break;
    case 'delete':
      applyDelete(data);
      emit('message-deleted', data);
      break;
    case 'prune':
    case 'truncate':
      refreshSoon(100);
      emit('mailbox-changed', type);
      break;
    case 'error':
      emit('server-error', data);
      break;
    default:
      break;
  }
}

export function connectLive() {
  setConnState('connecting');
  let ws;
  try {
    ws = new WebSocket(api.eventsURL());
  } catch {
    setTimeout(connectLive, retryDelay);
    return;
  }
  socket = ws;
  ws.addEventListener('open', () => {
    setConnState('open');
    retryDelay = 1000;
    // Whatever happened before the socket was up (on a reconnect: while it was down) is
    // not replayed: reload the page and the counts (at start-up, after the first load).
    refreshSoon(everOpen ? 0 : 500);
    everOpen = true;
  });
  ws.addEventListener('message', (e) => {
    try {
      handle(JSON.parse(e.data));
    } catch (err) {
      console.warn('bad event frame', err);
    }
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = null;
    setConnState('closed');
    setTimeout(connectLive, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  });
}
