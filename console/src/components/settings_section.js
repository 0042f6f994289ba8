// A settings section editor: GET `{version, settings}`, edit a draft, PUT it back with the version it was
// made from. The API's 422 problems are shown beside the fields they name (their paths made relative to
// the section), 409 (another change was saved meanwhile) reloads and lists what changed.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { ApiError, get, put } from '../api.js';
import { can, ADMINISTRATORS } from '../roles.js';
import { ErrorNote, Loading, Notice, TextInput, useId } from '../ui.js';

// --- paths

// `$.antispam.known_senders.add[0]`, `body.settings.spam_threshold`, `settings.templates[1].subject` →
// `known_senders.add.0` etc.: the API's problem path relative to the section, dotted as the forms name fields.
export function relativePath(path, prefixes = []) {
  let p = String(path)
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\["([^"]*)"\]/g, '.$1')
    .replace(/^\$\.?/, '')
    .replace(/^body\.?/, '');
  for (const prefix of prefixes) {
    if (p === prefix) return '';
    if (p.startsWith(prefix + '.')) {
      p = p.slice(prefix.length + 1);
    }
  }
  return p;
}

// The same error with every problem's path relative to the section (`original` keeps the API's own path).
export function relativeError(error, prefixes) {
  if (!(error instanceof ApiError) || error.problems.length === 0) return error;
  const copy = new ApiError(error.status, {
    ...(error.body || {}),
    problems: error.problems.map((p) => ({ ...p, path: relativePath(p.path, prefixes), original: p.path })),
  });
  copy.message = error.message;
  return copy;
}

// The problems no field of the form shows (`shown` are the paths the form renders fields for).
export function problemsElsewhere(error, shown) {
  if (!(error instanceof ApiError)) return [];
  return error.problems.filter((p) => !shown.some((path) => p.path === path || String(p.path).startsWith(path + '.')));
}

export function getAt(value, path) {
  if (!path) return value;
  return String(path).split('.').reduce((v, key) => (v == null ? undefined : v[key]), value);
}

// A copy of `value` with `path` set (arrays stay arrays).
export function setAt(value, path, next) {
  const keys = String(path).split('.');
  const step = (current, i) => {
    if (i === keys.length) return next;
    const key = keys[i];
    const container = Array.isArray(current) ? [...current] : { ...(current || {}) };
    container[key] = step(current == null ? undefined : current[key], i + 1);
    return container;
  };
  return step(value, 0);
}

// Changed leaves between two JSON values (objects key by key, arrays whole): [{path, before, after}].
export function changes(before, after, path = '') {
  const isObject = (v) => v && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changes(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: path || '(all)', before, after }];
}

// A number field's text as the API wants it: a number when it is one, else the text (the API names the problem).
export function numberOrText(text) {
  if (text === '' || text === null || text === undefined) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

// --- the editor's state

// `load()` → {version, settings}; `save(version, draft, loaded)` → {version, settings}.
export function useSettingsSection({ load, save, prefixes = [] }) {
  const [state, setState] = useState({ loading: true, loadError: null, version: null, loaded: null, draft: null });
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(null);
  const [conflict, setConflict] = useState(null);
  const latest = useRef(state);
  latest.current = state;

  const fetchNow = async () => {
    setState((s) => ({ ...s, loading: true, loadError: null }));
    try {
      const data = await load();
      setState({ loading: false, loadError: null, version: data.version, loaded: data.settings, draft: data.settings });
      return data;
    } catch (err) {
      setState((s) => ({ ...s, loading: false, loadError: err }));
      return null;
    }
  };

  useEffect(() => {
    fetchNow();
  }, []);

  const submit = async () => {
    setSaving(true);
    setError(null);
    setSaved(null);
    setConflict(null);
    const { version, draft: mine, loaded: before } = latest.current; // what is on the screen now
    try {
      const data = await save(version, mine, before);
      setState({ loading: false, loadError: null, version: data.version, loaded: data.settings, draft: data.settings });
      setSaved({ version: data.version });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        // another change was saved meanwhile: show what it changed, and the new values
        const fresh = await fetchNow();
        setConflict({
          message: err.message,
          theirs: fresh ? changes(before, fresh.settings) : [],
          mine: changes(before, mine),
        });
      } else {
        setError(relativeError(err, prefixes));
      }
    } finally {
      setSaving(false);
    }
  };

  return {
    ...state,
    saving,
    error,
    saved,
    conflict,
    set: (path, value) => setState((s) => ({ ...s, draft: path ? setAt(s.draft, path, value) : value })),
    at: (path) => getAt(state.draft, path),
    dirty: state.draft !== null && JSON.stringify(state.draft) !== JSON.stringify(state.loaded),
    submit,
    discard: () => {
      setState((s) => ({ ...s, draft: s.loaded }));
      setError(null);
    },
    reload: fetchNow,
  };
}

// GET/PUT /settings/<name> for one section whose settings are replaced whole.
export function sectionApi(path, prefixes) {
  return {
    load: () => get(path),
    save: (version, draft) => put(path, { version, settings: draft }),
    prefixes,
  };
}

function Value({ value }) {
  if (value === undefined) return html`<em>not set</em>`;
  const text = JSON.stringify(value);
  return html`<code class="settings-value">${text.length > 200 ? text.slice(0, 200) + '…' : text}</code>`;
}

export function ChangeList({ items, caption }) {
  if (!items || items.length === 0) return html`<p class="empty">No value differs.</p>`;
  return html`<table class="list settings-changes">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Setting</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
    <tbody>${items.map((c) => html`<tr><td><code>${c.path}</code></td><td><${Value} value=${c.before} /></td>
      <td><${Value} value=${c.after} /></td></tr>`)}</tbody>
  </table>`;
}

// The section's form: the fields (`children(section, readOnly)`), Save and Discard for administrators, the
// problems no field shows, the outcome. `fields`: the paths the form renders (so other problems are listed).
export function SectionForm({ section, title, children, testid, fields = [] }) {
  const readOnly = !can(ADMINISTRATORS);
  if (section.loading && section.draft === null) return html`<${Loading} what=${`Loading ${title}`} />`;
  if (section.loadError && section.draft === null) return html`<${ErrorNote} error=${section.loadError} />`;
  const elsewhere = fields.length ? problemsElsewhere(section.error, fields) : [];
  const onSubmit = (e) => {
    e.preventDefault();
    if (!readOnly) section.submit();
  };
  return html`<form class="settings-form" data-testid=${testid} onSubmit=${onSubmit} aria-label=${title} novalidate>
    <p class="settings-version">Settings version <span data-testid="settings-version">${section.version}</span>
      ${readOnly && html` · <span class="badge">read only for your role</span>`}</p>
    ${section.conflict && html`<div class="notice warn" role="alert" data-testid="settings-conflict">
      <p><strong>Another change was saved meanwhile</strong> (${section.conflict.message}). The form now shows the
        current settings; apply your change again.</p>
      <${ChangeList} items=${section.conflict.theirs} caption="What the other change did" />
      <${ChangeList} items=${section.conflict.mine} caption="Your change that was not saved" />
    </div>`}
    <fieldset class="settings-fields" disabled=${readOnly || section.saving}>
      <legend class="visually-hidden">${title}</legend>
      ${children(section, readOnly)}
    </fieldset>
    ${section.error && html`<${ErrorNote} error=${section.error} />`}
    ${elsewhere.length > 0 && html`<ul class="settings-problems" data-testid="other-problems">
      ${elsewhere.map((p) => html`<li><code>${p.path || p.original}</code>: ${p.message}</li>`)}</ul>`}
    ${section.saved && !section.dirty && html`<${Notice} kind="ok">Saved: the settings are now at version ${section.saved.version}.</${Notice}>`}
    ${!readOnly && html`<div class="actions">
      <button type="submit" class="primary" disabled=${section.saving || !section.dirty} data-testid="save">
        ${section.saving ? 'Saving…' : 'Save'}</button>
      <button type="button" disabled=${section.saving || !section.dirty} onClick=${section.discard}>Discard changes</button>
    </div>`}
  </form>`;
}

// --- controls over a draft

// A text field bound to `path` of the section's draft; `number` converts it for the API.
export function Bound({ section, path, label, number = false, hint, type, ...rest }) {
  const value = section.at(path);
  return html`<${TextInput} label=${label} path=${path} error=${section.error} hint=${hint}
    type=${type || (number ? 'number' : 'text')} step=${number ? 'any' : undefined}
    value=${value === null || value === undefined ? '' : String(value)}
    onInput=${(text) => section.set(path, number ? numberOrText(text) : text)} ...${rest} />`;
}

export function BoundCheck({ section, path, label, ...rest }) {
  const id = useId('cb');
  return html`<div class="field checkbox">
    <input id=${id} type="checkbox" checked=${Boolean(section.at(path))}
      onChange=${(e) => section.set(path, e.currentTarget.checked)} ...${rest} />
    <label for=${id}>${label}</label>
  </div>`;
}

// A select bound to `path`; the problems for `path` beside it.
export function BoundSelect({ section, path, label, options, hint }) {
  const id = useId('sel');
  const problems = section.error instanceof ApiError ? section.error.problemsAt(path) : [];
  const value = section.at(path);
  return html`<div class=${'field' + (problems.length ? ' invalid' : '')}>
    <label for=${id}>${label}</label>
    <select id=${id} value=${value ?? ''} onChange=${(e) => section.set(path, e.currentTarget.value)}
      aria-invalid=${problems.length ? 'true' : 'false'}>
      ${options.map((o) => (typeof o === 'string' ? html`<option value=${o}>${o}</option>` : html`<option value=${o.value}>${o.label}</option>`))}
    </select>
    ${hint && html`<small class="hint">${hint}</small>`}
    ${problems.length > 0 && html`<small class="problem" role="alert">${problems.map((p) => p.message).join('; ')}</small>`}
  </div>`;
}

// Checkboxes for a set of values at `path` (an array).
export function BoundChoices({ section, path, legend, choices }) {
  const chosen = section.at(path) || [];
  const problems = section.error instanceof ApiError ? section.error.problemsAt(path) : [];
  const toggle = (value, on) => section.set(path, on ? [...chosen.filter((c) => c !== value), value] : chosen.filter((c) => c !== value));
  return html`<fieldset class=${'choices' + (problems.length ? ' invalid' : '')}>
    <legend>${legend}</legend>
    ${choices.map((c) => html`<${ChoiceBox} label=${c} checked=${chosen.includes(c)} onChange=${(on) => toggle(c, on)} />`)}
    ${problems.length > 0 && html`<small class="problem" role="alert">${problems.map((p) => p.message).join('; ')}</small>`}
  </fieldset>`;
}

function ChoiceBox({ label, checked, onChange }) {
  const id = useId('ch');
  return html`<span class="choice"><input id=${id} type="checkbox" checked=${checked}
    onChange=${(e) => onChange(e.currentTarget.checked)} /><label for=${id}>${label}</label></span>`;
}

// An editable list of strings at `path`: one field per entry with Remove, and Add (administrators only).
export function StringList({ section, path, label, itemLabel = 'Entry', readOnly, placeholder, testid }) {
  const items = section.at(path) || [];
  const problems = section.error instanceof ApiError ? section.error.problems.filter((p) => p.path === path) : [];
  return html`<fieldset class="string-list" data-testid=${testid}>
    <legend>${label}</legend>
    ${items.length === 0 && html`<p class="empty">None.</p>`}
    <ol>
      ${items.map((item, i) => html`<li key=${i} class="string-list-item">
        <${Bound} section=${section} path=${`${path}.${i}`} label=${`${itemLabel} ${i + 1}`} placeholder=${placeholder} />
        ${!readOnly && html`<button type="button" class="remove" aria-label=${`Remove ${itemLabel.toLowerCase()} ${i + 1} (${item})`}
          onClick=${() => section.set(path, items.filter((_, j) => j !== i))}>Remove</button>`}
      </li>`)}
    </ol>
    ${!readOnly && html`<button type="button" onClick=${() => section.set(path, [...items, ''])}>Add ${itemLabel.toLowerCase()}</button>`}
    ${problems.length > 0 && html`<small class="problem" role="alert">${problems.map((p) => p.message).join('; ')}</small>`}
  </fieldset>`;
}

// An editable list of objects at `path`: `renderItem(index, path)` renders one; `make()` a new one. With
// `collapsible`, items show only their name until opened (all open for readers: their controls are disabled,
// and an item with a problem from the API opens by itself).
export function ObjectList({ section, path, label, itemLabel, readOnly, make, renderItem, title, testid, collapsible = false }) {
  const items = section.at(path) || [];
  const [opened, setOpened] = useState([]);
  const listId = useId('ol');
  const hasProblems = (i) => section.error instanceof ApiError && section.error.problemsAt(`${path}.${i}`).length > 0;
  const isOpen = (i) => !collapsible || readOnly || opened.includes(i) || hasProblems(i);
  const toggle = (i) => setOpened(opened.includes(i) ? opened.filter((j) => j !== i) : [...opened, i]);
  const move = (i, by) => {
    const next = [...items];
    const [item] = next.splice(i, 1);
    next.splice(i + by, 0, item);
    section.set(path, next);
    setOpened(opened.map((j) => (j === i ? i + by : j === i + by ? i : j)));
  };
  const remove = (i) => {
    section.set(path, items.filter((_, j) => j !== i));
    setOpened(opened.filter((j) => j !== i).map((j) => (j > i ? j - 1 : j)));
  };
  const add = () => {
    section.set(path, [...items, make()]);
    setOpened([...opened, items.length]);
  };
  return html`<section class="object-list" data-testid=${testid} aria-label=${label}>
    <h2>${label}</h2>
    ${items.length === 0 && html`<p class="empty">None.</p>`}
    ${items.map((item, i) => {
      const name = (title && title(item, i)) || `${itemLabel} ${i + 1}`;
      const open = isOpen(i);
      const bodyId = `${listId}-${i}`;
      return html`<div class="object-item" key=${i} data-testid=${testid ? `${testid}-${i}` : undefined}>
        <div class="object-head">
          <h3>${name}</h3>
          <div class="actions">
            ${collapsible && !readOnly && html`<button type="button" aria-expanded=${open ? 'true' : 'false'} aria-controls=${bodyId}
              aria-label=${`${open ? 'Hide' : 'Show'} ${name}`} data-testid=${testid ? `${testid}-${i}-toggle` : undefined}
              onClick=${() => toggle(i)}>${open ? 'Hide' : 'Show'}</button>`}
            ${!readOnly && html`
              <button type="button" disabled=${i === 0} onClick=${() => move(i, -1)} aria-label=${`Move ${name} up`}>Up</button>
              <button type="button" disabled=${i === items.length - 1} onClick=${() => move(i, 1)} aria-label=${`Move ${name} down`}>Down</button>
              <button type="button" class="danger" aria-label=${`Delete ${name}`} onClick=${() => remove(i)}>Delete</button>`}
          </div>
        </div>
        <div id=${bodyId} hidden=${!open}>${open && renderItem(i, `${path}.${i}`)}</div>
      </div>`;
    })}
    ${!readOnly && html`<button type="button" onClick=${add}>Add ${itemLabel.toLowerCase()}</button>`}
  </section>`;
}
