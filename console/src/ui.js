// The pieces every view is built from: loading and errors, times, fields with the API's problems, tables
// that page with the API's cursors, confirmations and progress.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { ApiError } from './api.js';

// Run `load` now and whenever `deps` change; `reload()` runs it again.
export function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

// Pages of a list the API answers with `next_cursor`: `fetch(cursor)` → {items, next_cursor}.
export function usePages(fetchPage, deps = []) {
  const [cursors, setCursors] = useState([null]);
  const cursor = cursors[cursors.length - 1];
  const state = useLoad(() => fetchPage(cursor), [...deps, cursor]);
  useEffect(() => setCursors([null]), deps);
  const next = state.data && state.data.next_cursor;
  return {
    ...state,
    pageNumber: cursors.length,
    hasNext: Boolean(next),
    hasPrevious: cursors.length > 1,
    nextPage: () => next && setCursors([...cursors, next]),
    previousPage: () => cursors.length > 1 && setCursors(cursors.slice(0, -1)),
    firstPage: () => setCursors([null]),
  };
}

export function Pager({ pages, label = 'Pages' }) {
  return html`<nav class="pager" aria-label=${label}>
    <button type="button" disabled=${!pages.hasPrevious} onClick=${pages.previousPage}>Previous page</button>
    <span aria-live="polite">Page ${pages.pageNumber}</span>
    <button type="button" disabled=${!pages.hasNext} onClick=${pages.nextPage}>Next page</button>
  </nav>`;
}

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

// A time in the user's time zone; the UTC time on hover.
export function Time({ iso }) {
  if (!iso) return html`<span>—</span>`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`<span>${iso}</span>`;
  return html`<time datetime=${date.toISOString()} title=${date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}
    >${localFormat.format(date)}</time>`;
}

export function Loading({ what = 'Loading' }) {
  return html`<p class="loading" role="status">${what}…</p>`;
}

// An API error in words, with what to do next when the API said it.
export function ErrorNote({ error }) {
  if (!error) return null;
  const status = error instanceof ApiError && error.status ? ` (${error.status})` : '';
  const problems = error instanceof ApiError ? error.problems : [];
  return html`<div class="error" role="alert">
    <strong>${error.message}${status}</strong>
    ${problems.length > 1 && html`<ul>${problems.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`)}</ul>`}
  </div>`;
}

export function Notice({ children, kind = 'info' }) {
  return html`<div class=${'notice ' + kind} role="status">${children}</div>`;
}

let fieldCounter = 0;
export function useId(prefix = 'f') {
  const ref = useRef(null);
  if (ref.current === null) ref.current = `${prefix}-${++fieldCounter}`;
  return ref.current;
}

// A labelled control; the API's problems for `path` (from a 422) shown beside it.
export function Field({ label, path, error, hint, children, id }) {
  const problems = error instanceof ApiError && path ? error.problemsAt(path) : [];
  const errorId = `${id}-problems`;
  return html`<div class=${'field' + (problems.length ? ' invalid' : '')}>
    <label for=${id}>${label}</label>
    ${children}
    ${hint && html`<small class="hint">${hint}</small>`}
    ${problems.length > 0 &&
    html`<small class="problem" id=${errorId} role="alert">${problems.map((p) => p.message).join('; ')}</small>`}
  </div>`;
}

export function TextInput({ label, value, onInput, path, error, type = 'text', hint, ...rest }) {
  const id = useId('in');
  return html`<${Field} label=${label} path=${path} error=${error} hint=${hint} id=${id}>
    <input id=${id} type=${type} value=${value ?? ''} onInput=${(e) => onInput(e.currentTarget.value)}
      aria-invalid=${error instanceof ApiError && path && error.problemsAt(path).length > 0 ? 'true' : 'false'} ...${rest} />
  </${Field}>`;
}

export function TextArea({ label, value, onInput, path, error, rows = 6, hint, ...rest }) {
  const id = useId('ta');
  return html`<${Field} label=${label} path=${path} error=${error} hint=${hint} id=${id}>
    <textarea id=${id} rows=${rows} value=${value ?? ''} onInput=${(e) => onInput(e.currentTarget.value)} ...${rest} />
  </${Field}>`;
}

export function Select({ label, value, onChange, options, path, error, hint }) {
  const id = useId('sel');
  return html`<${Field} label=${label} path=${path} error=${error} hint=${hint} id=${id}>
    <select id=${id} value=${value ?? ''} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${options.map((o) => (typeof o === 'string' ? html`<option value=${o}>${o}</option>` : html`<option value=${o.value}>${o.label}</option>`))}
    </select>
  </${Field}>`;
}

export function Checkbox({ label, checked, onChange, ...rest }) {
  const id = useId('cb');
  return html`<div class="field checkbox">
    <input id=${id} type="checkbox" checked=${checked} onChange=${(e) => onChange(e.currentTarget.checked)} ...${rest} />
    <label for=${id}>${label}</label>
  </div>`;
}

// A table with a caption (screen readers announce it); `columns`: [{label, render(row)}].
export function Table({ caption, columns, rows, empty = 'Nothing here.', rowKey = (r, i) => i, onRow }) {
  if (!rows || rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<table class="list">
    <caption>${caption}</caption>
    <thead><tr>${columns.map((c) => html`<th scope="col">${c.label}</th>`)}</tr></thead>
    <tbody>
      ${rows.map((row, i) => html`<tr key=${rowKey(row, i)} class=${onRow ? 'clickable' : ''}>
        ${columns.map((c) => html`<td>${c.render ? c.render(row) : row[c.key]}</td>`)}
      </tr>`)}
    </tbody>
  </table>`;
}

// Ask before doing something that cannot be undone: a modal <dialog> (focus is trapped by the browser).
export function useConfirm() {
  const [ask, setAsk] = useState(null);
  const confirm = useCallback((question, confirmLabel = 'Confirm') =>
    new Promise((resolve) => setAsk({ question, confirmLabel, resolve })), []);
  const dialog = ask && html`<${ConfirmDialog} ...${ask} onClose=${(answer) => { ask.resolve(answer); setAsk(null); }} />`;
  return [confirm, dialog];
}

function ConfirmDialog({ question, confirmLabel, onClose }) {
  const ref = useRef(null);
  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);
  return html`<dialog ref=${ref} class="confirm" aria-labelledby="confirm-question" onCancel=${() => onClose(false)}>
    <p id="confirm-question">${question}</p>
    <div class="actions">
      <button type="button" onClick=${() => onClose(false)}>Cancel</button>
      <button type="button" class="primary" onClick=${() => onClose(true)}>${confirmLabel}</button>
    </div>
  </dialog>`;
}

// A long operation: a progress bar while it runs (`value` of `max`, or indeterminate), the outcome after.
export function Progress({ label, value, max }) {
  return html`<div class="progress" role="status">
    <label>${label}
      ${value === undefined ? html`<progress aria-label=${label}></progress>` : html`<progress value=${value} max=${max} aria-label=${label}></progress>`}
    </label>
  </div>`;
}

// Run an async action once at a time: {busy, error, result, run}.
export function useAction(action) {
  const [state, setState] = useState({ busy: false, error: null, result: null });
  const run = async (...args) => {
    setState({ busy: true, error: null, result: null });
    try {
      const result = await action(...args);
      setState({ busy: false, error: null, result });
      return result;
    } catch (error) {
      setState({ busy: false, error, result: null });
      return undefined;
    }
  };
  return { ...state, run, reset: () => setState({ busy: false, error: null, result: null }) };
}

export function PageHeader({ title, children }) {
  useEffect(() => {
    document.title = `${title} · mailgate`;
  }, [title]);
  return html`<header class="page-header"><h1 id="page-title" tabindex="-1">${title}</h1>${children}</header>`;
}

// Plain text of a JSON value for <pre>: never markup.
export const pretty = (value) => JSON.stringify(value, null, 2);
