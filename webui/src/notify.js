// Optional desktop notifications for new mail while the tab is in the background. Off until
// the user ticks the sidebar switch (and the browser grants permission); remembered.

import { byId } from './dom.js';
import { addressText } from './format.js';
import { hrefFor } from './router.js';
import { on } from './store.js';
import { toast } from './toast.js';

const KEY = 'mailjar.notify';

export function initNotifications() {
  const box = byId('notify-toggle');
  const supported = 'Notification' in window;
  box.disabled = !supported;
  box.checked = supported && localStorage.getItem(KEY) === '1' && Notification.permission === 'granted';
  box.addEventListener('change', async () => {
    if (!box.checked) {
      localStorage.removeItem(KEY);
      return;
    }
    const p = await Notification.requestPermission();
    if (p !== 'granted') {
      box.checked = false;
      toast('The browser did not allow notifications for this page', { kind: 'error' });
      return;
    }
    localStorage.setItem(KEY, '1');
  });
  on('new-message', (m) => {
    if (!box.checked || !document.hidden || !m) return;
    const n = new Notification(m.Subject || '(no subject)', {
      body: m.From ? `From ${addressText(m.From)}` : '', tag: 'mailjar-new', icon: 'favicon.svg',
    });
    n.addEventListener('click', () => {
      window.focus();
      window.location.href = hrefFor({ name: 'message', id: m.ID });
    });
  });
}
