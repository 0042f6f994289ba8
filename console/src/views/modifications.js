// Modifications: the warning written into insecure messages (text and HTML) and the disclaimers rules may
// name (GET/PUT /settings/modifications), each with a preview. The preview is text only: an HTML variant is
// shown as its source, never rendered.
import { html } from '../html.js';
import { PageHeader, TextArea } from '../ui.js';
import {
  Bound, BoundSelect, ObjectList, SectionForm, sectionApi, useSettingsSection,
} from '../components/settings_section.js';
import './settings.css';

const SAMPLE_BODY = 'Hello,\n\nplease find the report attached.\n\nRegards,\nAlice';

function BoundArea({ section, path, label, rows = 4, hint }) {
  return html`<${TextArea} label=${label} path=${path} error=${section.error} rows=${rows} hint=${hint}
    value=${section.at(path) ?? ''} onInput=${(text) => section.set(path, text)} />`;
}

function Preview({ label, text, htmlSource, position = 'bottom', testid }) {
  const body = position === 'top' ? `${text}\n\n${SAMPLE_BODY}` : `${SAMPLE_BODY}\n\n${text}`;
  return html`<div class="preview" data-testid=${testid}>
    <h4>${label}: as a plain-text message shows it</h4>
    <pre class="safe-text">${body}</pre>
    ${htmlSource && html`<h4>HTML variant (its source, not rendered)</h4><pre class="safe-text">${htmlSource}</pre>`}
  </div>`;
}

function Fields(section, readOnly) {
  return html`
    <section class="settings-section" aria-labelledby="mod-warning">
      <h2 id="mod-warning">Warning about an insecure message</h2>
      <${BoundArea} section=${section} path="warning_text" label="Warning text" hint="1 to 2000 characters" />
      <${BoundArea} section=${section} path="warning_html" label="Warning as HTML" hint="empty: the text, escaped" />
      <${Preview} label="Warning" text=${section.at('warning_text') || ''} htmlSource=${section.at('warning_html')} position="top"
        testid="warning-preview" />
    </section>
    <${ObjectList} section=${section} path="disclaimers" label="Disclaimers" itemLabel="Disclaimer" readOnly=${readOnly}
      testid="disclaimer" title=${(d) => d.name || null} make=${() => ({ name: '', text: '', html: '', position: 'bottom' })}
      renderItem=${(i, p) => html`
        <div class="form-row">
          <${Bound} section=${section} path=${`${p}.name`} label="Name" hint="rules name the disclaimer by it" />
          <${BoundSelect} section=${section} path=${`${p}.position`} label="Position"
            options=${[{ value: 'bottom', label: 'below the message' }, { value: 'top', label: 'above the message' }]} />
        </div>
        <${BoundArea} section=${section} path=${`${p}.text`} label="Text" hint="1 to 5000 characters" />
        <${BoundArea} section=${section} path=${`${p}.html`} label="HTML" hint="empty: the text, escaped" />
        <${Preview} label="Disclaimer" text=${section.at(`${p}.text`) || ''} htmlSource=${section.at(`${p}.html`)}
          position=${section.at(`${p}.position`)} testid=${`disclaimer-preview-${i}`} />`} />`;
}

export default function Modifications() {
  const section = useSettingsSection(sectionApi('/settings/modifications', ['settings', 'modifications']));
  return html`<${PageHeader} title="Modifications" />
    <p class="hint">A disclaimer a rule still names cannot be deleted: the API names the rule.</p>
    <${SectionForm} section=${section} title="Modifications" testid="modifications-form">${Fields}</${SectionForm}>`;
}
