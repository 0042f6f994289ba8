// Anti-Virus: clamd's address, timeouts, PUA and heuristics, the action on infected parts
// (GET/PUT /settings/antivirus, replaced whole and versioned).
import { html } from '../html.js';
import { PageHeader } from '../ui.js';
import {
  Bound, BoundCheck, BoundSelect, SectionForm, StringList, sectionApi, useSettingsSection,
} from '../components/settings_section.js';
import './settings.css';

function Fields(section, readOnly) {
  const clamd = section.at('clamd');
  return html`
    <section class="settings-section" aria-labelledby="av-engine">
      <h2 id="av-engine">Engine</h2>
      <${BoundCheck} section=${section} path="clamd" label="Scan with clamd" checked=${clamd !== null && clamd !== undefined}
        onChange=${(e) => section.set('clamd', e.currentTarget.checked ? '' : null)} />
      ${clamd !== null && clamd !== undefined && html`<${Bound} section=${section} path="clamd" label="clamd address"
        hint="host:port, [IPv6]:port, or a unix socket path" placeholder="127.0.0.1:3310" />`}
      ${(clamd === null || clamd === undefined) && html`<p class="notice warn">Without clamd every message's anti-virus verdict is "skipped", never "clean".</p>`}
      <div class="form-row">
        <${Bound} section=${section} path="timeout_seconds" label="One stream's timeout (seconds)" number hint="above 0, at most 600" />
        <${Bound} section=${section} path="total_timeout_seconds" label="A message's timeout (seconds)" number hint="above 0, at most 900" />
        <${Bound} section=${section} path="max_stream_bytes" label="Largest stream (bytes)" number hint="1024 to 2147483648" />
        <${Bound} section=${section} path="max_signature_age_hours" label="Signatures are stale after (hours)" number />
      </div>
    </section>
    <section class="settings-section" aria-labelledby="av-detection">
      <h2 id="av-detection">Detection</h2>
      <div class="form-row">
        <${BoundSelect} section=${section} path="heuristics" label="Heuristics" options=${['off', 'standard', 'strict']} />
        <${BoundSelect} section=${section} path="on_infected" label="Infected mail"
          options=${[{ value: 'backup', label: 'held in Backup' }, { value: 'remove_parts', label: 'infected parts removed' }]} />
      </div>
      <${BoundCheck} section=${section} path="detect_pua" label="Potentially unwanted applications make a message infected" />
      <div class="two-columns">
        <${StringList} section=${section} path="pua_include" label="Only these PUA categories" itemLabel="Category"
          readOnly=${readOnly} placeholder="Win.Packer" />
        <${StringList} section=${section} path="pua_exclude" label="PUA categories not counted" itemLabel="Category"
          readOnly=${readOnly} placeholder="Tool" />
      </div>
    </section>`;
}

export default function Antivirus() {
  const section = useSettingsSection(sectionApi('/settings/antivirus', ['settings', 'antivirus']));
  return html`<${PageHeader} title="Anti-Virus" />
    <${SectionForm} section=${section} title="Anti-Virus settings" testid="antivirus-form">${Fields}</${SectionForm}>`;
}
