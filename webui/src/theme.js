// Dark mode: follows the system until the user picks one with the top-bar button; the choice
// is remembered in this browser. The stylesheet reads <html data-theme="dark|light">.

import { byId } from './dom.js';

const KEY = 'mailjar.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');

export const effectiveTheme = () => document.documentElement.dataset.theme || (media.matches ? 'dark' : 'light');

function apply(choice) {
  if (choice === 'dark' || choice === 'light') document.documentElement.dataset.theme = choice;
  else delete document.documentElement.dataset.theme;
  const btn = byId('theme-btn');
  const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
  btn.title = `Switch to ${next} mode`;
  btn.setAttribute('aria-label', btn.title);
  btn.setAttribute('aria-pressed', String(effectiveTheme() === 'dark'));
}

export function toggleTheme() {
  const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
  // Picking what the system already says means "follow the system" again.
  const systemSays = media.matches ? 'dark' : 'light';
  if (next === systemSays) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, next);
  apply(next === systemSays ? null : next);
}

export function initTheme() {
  apply(localStorage.getItem(KEY));
  media.addEventListener('change', () => apply(localStorage.getItem(KEY)));
  byId('theme-btn').addEventListener('click', toggleTheme);
}
