// Modal dialogs on <dialog>: confirm, prompt and a generic one that views fill. Each returns a
// promise; Escape or the backdrop cancels. Focus returns to where it was.

import { h } from './dom.js';

export function openDialog({ title, body, actions = [], className = '', onClose } = {}) {
  const previous = document.activeElement;
  const dlg = h('dialog', { class: ['dialog', className], 'aria-label': title });
  const close = (value) => {
    if (dlg.open) dlg.close();
    dlg.remove();
    if (previous instanceof HTMLElement) previous.focus();
    onClose?.(value);
  };
  const footer = h('div', { class: 'dialog-actions' });
  for (const a of actions) {
    footer.append(
      h('button', {
        type: a.submit ? 'submit' : 'button',
        class: ['btn', a.primary && 'btn-primary', a.danger && 'btn-danger'],
        onclick: (e) => {
          if (a.submit) return; // handled by the form's submit
          e.preventDefault();
          a.onclick ? a.onclick(close) : close(a.value);
        },
        dataset: { action: a.id || '' },
      }, a.label),
    );
  }
  const form = h('form', { method: 'dialog', class: 'dialog-form' },
    h('header', { class: 'dialog-head' },
      h('h2', {}, title),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close', onclick: () => close(undefined) }, '✕')),
    h('div', { class: 'dialog-body' }, body),
    actions.length ? footer : null);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const submit = actions.find((a) => a.submit);
    if (submit?.onclick) submit.onclick(close);
    else close(submit?.value);
  });
  dlg.append(form);
  dlg.addEventListener('cancel', (e) => {
    e.preventDefault();
    close(undefined);
  });
  dlg.addEventListener('click', (e) => {
    if (e.target === dlg) close(undefined); // backdrop
  });
  document.body.append(dlg);
  dlg.showModal();
  return { dialog: dlg, close };
}

export function confirmDialog(message, { title = 'Are you sure?', ok = 'OK', danger = false } = {}) {
  return new Promise((resolve) => {
    openDialog({
      title,
      body: h('p', {}, message),
      onClose: (v) => resolve(v === true),
      actions: [
        { label: 'Cancel', value: false, id: 'cancel' },
        { label: ok, value: true, primary: !danger, danger, submit: true, id: 'ok' },
      ],
    }).dialog.querySelector('[data-action="ok"]').focus();
  });
}

export function promptDialog(label, { title = label, value = '', ok = 'Save' } = {}) {
  return new Promise((resolve) => {
    const input = h('input', { type: 'text', class: 'input', value, 'aria-label': label, required: true });
    openDialog({
      title,
      body: h('label', { class: 'field' }, h('span', {}, label), input),
      onClose: (v) => resolve(v ?? null),
      actions: [
        { label: 'Cancel', value: null },
        { label: ok, primary: true, submit: true, onclick: (close) => close(input.value.trim() || null) },
      ],
    });
    input.select();
  });
}
