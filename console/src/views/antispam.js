// Anti-Spam: thresholds, tests switched off by name, DNS blocklists, the well-known senders (GET/PUT
// /settings/antispam), and the Anti-Spam Quarantine's limits (GET/PUT /settings/spam-quarantine).
import { html } from '../html.js';
import { PageHeader } from '../ui.js';
import {
  Bound, BoundCheck, BoundSelect, ObjectList, SectionForm, StringList, sectionApi, useSettingsSection,
} from '../components/settings_section.js';
import './settings.css';

function AntispamFields(section, readOnly) {
  return html`
    <section class="settings-section" aria-labelledby="as-thresholds">
      <h2 id="as-thresholds">Thresholds</h2>
      <div class="form-row">
        <${Bound} section=${section} path="probable_threshold" label="Probable spam from score" number data-testid="probable_threshold"
          hint="summed score of the named tests; above zero" />
        <${Bound} section=${section} path="spam_threshold" label="Spam from score" number data-testid="spam_threshold" />
        <${Bound} section=${section} path="max_domain_lookups" label="Link domains looked up per message" number
          hint="0 to 50" />
      </div>
    </section>
    <section class="settings-section" aria-labelledby="as-tests">
      <h2 id="as-tests">Tests switched off</h2>
      <${StringList} section=${section} path="disabled_tests" label="Test names" itemLabel="Test" readOnly=${readOnly}
        placeholder="SUBJ_ALL_CAPS" />
    </section>
    <section class="settings-section" aria-labelledby="as-known">
      <h2 id="as-known">Well-known senders</h2>
      <p class="hint">Mail from these domains with an aligned DMARC pass counts as evidence of legitimate mail
        (test AUTH_KNOWN_SENDER). A domain covers its subdomains.</p>
      <${BoundCheck} section=${section} path="known_senders.shipped" label="Start from the list mailgate ships" />
      <div class="two-columns">
        <${StringList} section=${section} path="known_senders.add" label="Added by the organisation" itemLabel="Domain"
          readOnly=${readOnly} placeholder="mail.example.com" testid="known-senders-add" />
        <${StringList} section=${section} path="known_senders.remove" label="Shipped domains not to trust" itemLabel="Domain"
          readOnly=${readOnly} placeholder="example.net" testid="known-senders-remove" />
      </div>
    </section>
    <${ObjectList} section=${section} path="blocklists" label="DNS blocklists" itemLabel="Blocklist" readOnly=${readOnly}
      title=${(b) => b.zone || null} make=${() => ({ zone: '', kind: 'ip', weight: 5 })}
      renderItem=${(i, p) => html`<div class="form-row">
        <${Bound} section=${section} path=${`${p}.zone`} label="Zone" placeholder="zen.example.org" />
        <${BoundSelect} section=${section} path=${`${p}.kind`} label="Asked about"
          options=${[{ value: 'ip', label: 'the client IP (ip)' }, { value: 'domain', label: "each link's domain (domain)" }]} />
        <${Bound} section=${section} path=${`${p}.weight`} label="Score of a hit" number />
      </div>`} />`;
}

function QuarantineFields(section) {
  return html`<div class="form-row">
    <${Bound} section=${section} path="max_messages" label="At most messages" number hint="0 to 1,000,000" />
    <${Bound} section=${section} path="max_megabytes" label="At most megabytes" number hint="0 to 100,000" />
  </div>`;
}

export default function Antispam() {
  const antispam = useSettingsSection(sectionApi('/settings/antispam', ['settings', 'antispam']));
  const quarantine = useSettingsSection(sectionApi('/settings/spam-quarantine', ['settings', 'spam_quarantine']));
  return html`<${PageHeader} title="Anti-Spam" />
    <${SectionForm} section=${antispam} title="Anti-Spam settings" testid="antispam-form">${AntispamFields}</${SectionForm}>
    <h2>Anti-Spam Quarantine limits</h2>
    <p class="hint">How much the quarantine may hold at once; beyond either limit mail is decided at once.</p>
    <${SectionForm} section=${quarantine} title="Anti-Spam Quarantine limits" testid="quarantine-form">${QuarantineFields}</${SectionForm}>`;
}
