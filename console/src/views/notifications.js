// Notifications: who they come from and go to, and the templates with their %MACROS% (GET/PUT
// /settings/notifications), a preview rendered by the API for a sample message (POST /notifications/preview),
// and the list of macros a template may use.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { ErrorNote, PageHeader, TextArea, useAction } from '../ui.js';
import { post } from '../api.js';
import { can, OPERATORS } from '../roles.js';
import {
  Bound, BoundCheck, ObjectList, SectionForm, StringList, relativeError, sectionApi, useSettingsSection,
} from '../components/settings_section.js';
import './settings.css';

// The macros of mailgate/notify/macros.py (MESSAGE_MACROS, PART_MACROS, DATA_BEGIN/END).
const MESSAGE_MACROS = [
  ['%SENDER%', 'the envelope sender'],
  ['%SENDER_IP%', "the sending server's IP address"],
  ['%ALL_RECIPIENTS%', 'every recipient of the message'],
  ['%AFFECTED_RECIPIENTS%', 'the recipients the action applied to'],
  ['%AFFECTED_RULES%', 'the rules that acted'],
  ['%SUBJECT%', "the message's subject"],
  ['%DATE%', 'when the message was received (UTC)'],
  ['%MESSAGE_ID%', "the gateway's message id (the event log's)"],
  ['%SMTP_MESSAGE_ID%', 'the Message-ID header field'],
  ['%MESSAGE_ACTION%', 'what was done: delivered, held in Backup, rejected…'],
  ['%VERDICTS%', "every module's verdict"],
  ['%BACKUP_ID%', "the Backup entry's id, or none"],
];
const PART_MACROS = [
  ['%DATA_BEGIN%', 'starts what is repeated for each affected part (loops do not nest)'],
  ['%OBJECT_NAME%', "the part's file name (only inside the loop)"],
  ['%OBJECT_SIZE%', "the part's size (only inside the loop)"],
  ['%STATUS%', 'what was found or done to the part (only inside the loop)'],
  ['%DATA_END%', 'ends the repeated part'],
];

function MacroHelp() {
  return html`<details class="macro-help settings-section" data-testid="macro-help">
    <summary>Macros a template may use</summary>
    <p>Values are inserted as text: escaped in the HTML body, one line in the subject. Any other %NAME% is refused.</p>
    <dl>${MESSAGE_MACROS.map(([m, d]) => html`<dt>${m}</dt><dd>${d}</dd>`)}</dl>
    <h3>For each affected part</h3>
    <dl>${PART_MACROS.map(([m, d]) => html`<dt>${m}</dt><dd>${d}</dd>`)}</dl>
  </details>`;
}

function BoundArea({ section, path, label, rows = 6, hint }) {
  return html`<${TextArea} label=${label} path=${path} error=${section.error} rows=${rows} hint=${hint}
    value=${section.at(path) ?? ''} onInput=${(text) => section.set(path, text)} />`;
}

// The API renders the template as edited (inline), for a sample message.
function TemplatePreview({ section, path, index }) {
  const [open, setOpen] = useState(false);
  const preview = useAction(async () => post('/notifications/preview', { template: section.at(path) }));
  if (!can(OPERATORS)) return null;
  const show = async () => {
    setOpen(true);
    await preview.run();
  };
  const error = preview.error && relativeError(preview.error, ['template']);
  return html`<div class="preview-block">
    <div class="actions"><button type="button" onClick=${show} disabled=${preview.busy}
      data-testid=${`preview-${index}`}>${preview.busy ? 'Rendering…' : 'Preview'}</button>
      ${open && html`<button type="button" onClick=${() => setOpen(false)}>Hide preview</button>`}</div>
    ${open && error && html`<${ErrorNote} error=${error} />`}
    ${open && preview.result && html`<div class="preview" data-testid="notification-preview" aria-live="polite">
      <h4>Subject</h4><p data-testid="preview-subject">${preview.result.subject}</p>
      <h4>Text</h4><pre class="safe-text" data-testid="preview-text">${preview.result.text}</pre>
      ${preview.result.html && html`<h4>HTML (its source, not rendered)</h4><pre class="safe-text">${preview.result.html}</pre>`}
    </div>`}
  </div>`;
}

function Fields(section, readOnly) {
  return html`
    <section class="settings-section" aria-labelledby="nt-who">
      <h2 id="nt-who">Sender and administrators</h2>
      <${Bound} section=${section} path="sender_address" label="Notifications come from"
        hint="empty: mailgate@ the authserv-id" />
      <${StringList} section=${section} path="administrator_addresses" label="Administrators' addresses"
        itemLabel="Address" readOnly=${readOnly} placeholder="postmaster@example.com" />
    </section>
    <${MacroHelp} />
    <${ObjectList} section=${section} path="templates" label="Templates" itemLabel="Template" readOnly=${readOnly}
      testid="template" title=${(t) => t.name || null} collapsible
      make=${() => ({ name: '', subject: '', body_text: '', body_html: '', enabled: true, description: '' })}
      renderItem=${(i, p) => html`
        <div class="form-row">
          <${Bound} section=${section} path=${`${p}.name`} label="Name" hint="letters, digits, . _ -" />
          <${BoundCheck} section=${section} path=${`${p}.enabled`} label="enabled (a disabled template sends nothing)" />
        </div>
        <${Bound} section=${section} path=${`${p}.description`} label="Description" />
        <${Bound} section=${section} path=${`${p}.subject`} label="Subject" data-testid=${`template-subject-${i}`} />
        <${BoundArea} section=${section} path=${`${p}.body_text`} label="Text body" rows="8" />
        <${BoundArea} section=${section} path=${`${p}.body_html`} label="HTML body" rows="4" hint="empty: text only" />
        <${TemplatePreview} section=${section} path=${p} index=${i} />`} />`;
}

export default function Notifications() {
  const section = useSettingsSection(sectionApi('/settings/notifications', ['settings', 'notifications']));
  return html`<${PageHeader} title="Notifications" />
    <${SectionForm} section=${section} title="Notification settings" testid="notifications-form">${Fields}</${SectionForm}>`;
}
