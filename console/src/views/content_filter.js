// Content Filtering: expressions (named sets of conditions with an action), evaluated in order, and the
// dictionaries they use by name (GET/PUT /settings/content-filter, replaced whole and versioned).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { ApiError } from '../api.js';
import { PageHeader, useId } from '../ui.js';
import {
  Bound, BoundCheck, BoundChoices, BoundSelect, ObjectList, SectionForm, StringList, sectionApi, useSettingsSection,
} from '../components/settings_section.js';
import './settings.css';

// The choices config.py allows (ContentAttribute, ContentOperator, ContentAction, FileCategory).
const ATTRIBUTES = ['message_size', 'attachment_name', 'attachment_type', 'attachment_size', 'attachment_count',
  'subject', 'body', 'sender', 'recipient', 'cc', 'header'];
const OPERATORS = ['contains', 'equals', 'wildcard', 'regex', 'dictionary', 'greater_than', 'less_than'];
const ACTIONS = [
  { value: 'skip', label: 'skip (deliver; headers and Backup as set)' },
  { value: 'reject', label: 'reject the message' },
  { value: 'delete_attachment', label: 'delete the attachment' },
  { value: 'delete_message', label: 'delete the message' },
];
const CATEGORIES = ['executables', 'scripts', 'shortcuts', 'archives', 'encrypted', 'office_macros',
  'office_documents', 'pdf', 'disk_images', 'html', 'images'];
const NUMERIC = ['greater_than', 'less_than'];

// `set_headers` is an object: edited as "Name: value" lines (the text kept as typed, the object parsed from it).
function parseHeaderLines(text) {
  const next = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) next[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return next;
}

function HeaderLines({ section, path, label }) {
  const value = section.at(path) || {};
  const shown = Object.entries(value).map(([k, v]) => `${k}: ${v}`).join('\n');
  const [text, setText] = useState(shown);
  useEffect(() => {
    // a value set from elsewhere (discard, reload after saving): show it
    if (JSON.stringify(parseHeaderLines(text)) !== JSON.stringify(value)) setText(shown);
  }, [JSON.stringify(value)]);
  const id = useId('hl');
  const problems = section.error instanceof ApiError ? section.error.problemsAt(path) : [];
  return html`<div class=${'field' + (problems.length ? ' invalid' : '')}>
    <label for=${id}>${label}</label>
    <textarea id=${id} rows="2" value=${text}
      onInput=${(e) => { setText(e.currentTarget.value); section.set(path, parseHeaderLines(e.currentTarget.value)); }} />
    <small class="hint">one "Name: value" a line</small>
    ${problems.length > 0 && html`<small class="problem" role="alert">${problems.map((p) => p.message).join('; ')}</small>`}
  </div>`;
}

function Condition({ section, path, dictionaries }) {
  const condition = section.at(path) || {};
  const numeric = NUMERIC.includes(condition.operator);
  return html`<div class="form-row">
    <${BoundSelect} section=${section} path=${`${path}.attribute`} label="Attribute" options=${ATTRIBUTES} />
    ${condition.attribute === 'header' && html`<${Bound} section=${section} path=${`${path}.header`} label="Header field" />`}
    <${BoundSelect} section=${section} path=${`${path}.operator`} label="Operator" options=${OPERATORS} />
    ${condition.operator === 'dictionary'
      ? html`<${BoundSelect} section=${section} path=${`${path}.dictionary`} label="Dictionary"
          options=${['', ...new Set([...dictionaries, condition.dictionary || ''])].map((d) => ({ value: d, label: d || '(choose)' }))} />`
      : html`<${Bound} section=${section} path=${`${path}.value`} label=${numeric ? 'Value (bytes or count)' : 'Value'}
          number=${numeric} data-testid="condition-value" />`}
    <${BoundCheck} section=${section} path=${`${path}.negate`} label="does not match" />
    <${BoundCheck} section=${section} path=${`${path}.enabled`} label="enabled" />
  </div>`;
}

function Expression({ section, path, readOnly }) {
  const dictionaries = (section.at('dictionaries') || []).map((d) => d.name);
  return html`
    <div class="form-row">
      <${Bound} section=${section} path=${`${path}.name`} label="Name" data-testid="expression-name" />
      <${BoundSelect} section=${section} path=${`${path}.match`} label="Conditions that must match"
        options=${[{ value: 'all', label: 'all' }, { value: 'any', label: 'any' }]} />
      <${BoundSelect} section=${section} path=${`${path}.action`} label="Action" options=${ACTIONS} />
      <${BoundCheck} section=${section} path=${`${path}.backup`} label="keep the original in Backup" />
      <${BoundCheck} section=${section} path=${`${path}.enabled`} label="enabled" />
    </div>
    <${Bound} section=${section} path=${`${path}.description`} label="Description" />
    <${ObjectList} section=${section} path=${`${path}.conditions`} label="Conditions" itemLabel="Condition"
      readOnly=${readOnly} make=${() => ({ attribute: 'subject', operator: 'contains', value: '', dictionary: '', header: '', negate: false, enabled: true })}
      renderItem=${(i, p) => html`<${Condition} section=${section} path=${p} dictionaries=${dictionaries} />`} />
    <div class="two-columns">
      <${StringList} section=${section} path=${`${path}.remove_headers`} label="Header fields removed from delivered mail"
        itemLabel="Header field" readOnly=${readOnly} />
      <${HeaderLines} section=${section} path=${`${path}.set_headers`} label="Header fields set on delivered mail" />
    </div>`;
}

function Dictionary({ section, path, readOnly }) {
  const type = section.at(`${path}.type`);
  return html`
    <div class="form-row">
      <${Bound} section=${section} path=${`${path}.name`} label="Name" />
      <${BoundSelect} section=${section} path=${`${path}.type`} label="Type"
        options=${[{ value: 'file_types', label: 'file types' }, { value: 'text', label: 'text' }]} />
    </div>
    <${Bound} section=${section} path=${`${path}.description`} label="Description" />
    ${type === 'file_types'
      ? html`<${BoundChoices} section=${section} path=${`${path}.categories`} legend="Categories" choices=${CATEGORIES} />
        <${StringList} section=${section} path=${`${path}.types`} label="MIME types (wildcards allowed)" itemLabel="Type"
          readOnly=${readOnly} placeholder="application/x-msdownload" />`
      : html`<div class="two-columns">
        <${StringList} section=${section} path=${`${path}.strings`} label="Strings (contained)" itemLabel="String" readOnly=${readOnly} />
        <${StringList} section=${section} path=${`${path}.wildcards`} label="Wildcards (the whole value)" itemLabel="Wildcard" readOnly=${readOnly} />
        <${StringList} section=${section} path=${`${path}.regexes`} label="Regular expressions (searched)" itemLabel="Expression" readOnly=${readOnly} />
      </div>`}`;
}

function Fields(section, readOnly) {
  return html`
    <${BoundCheck} section=${section} path="enabled" label="Content Filtering is on" />
    <${ObjectList} section=${section} path="expressions" label="Expressions (evaluated in order)" itemLabel="Expression"
      readOnly=${readOnly} testid="expression" title=${(e) => e.name || null} collapsible
      make=${() => ({ name: '', conditions: [{ attribute: 'subject', operator: 'contains', value: '', dictionary: '', header: '', negate: false, enabled: true }],
        match: 'all', action: 'skip', backup: false, remove_headers: [], set_headers: {}, enabled: true, description: '' })}
      renderItem=${(i, p) => html`<${Expression} section=${section} path=${p} readOnly=${readOnly} />`} />
    <${ObjectList} section=${section} path="dictionaries" label="Dictionaries" itemLabel="Dictionary" readOnly=${readOnly}
      testid="dictionary" title=${(d) => d.name || null} collapsible
      make=${() => ({ name: '', type: 'text', categories: [], types: [], strings: [], wildcards: [], regexes: [], description: '' })}
      renderItem=${(i, p) => html`<${Dictionary} section=${section} path=${p} readOnly=${readOnly} />`} />`;
}

export default function ContentFilter() {
  const section = useSettingsSection(sectionApi('/settings/content-filter', ['settings', 'content_filter']));
  return html`<${PageHeader} title="Content Filtering" />
    <p class="hint">Rules name the expressions they apply; a dictionary is used by name from a condition.</p>
    <${SectionForm} section=${section} title="Content Filtering settings" testid="content-filter-form">${Fields}</${SectionForm}>`;
}
