// Signing: DKIM keys per From domain and the ARC sealing key, by Secrets Manager name (GET/PUT
// /settings/signing; the keys themselves are never shown).
import { html } from '../html.js';
import { PageHeader } from '../ui.js';
import {
  Bound, BoundCheck, BoundSelect, ObjectList, SectionForm, useSettingsSection,
} from '../components/settings_section.js';
import { get, put } from '../api.js';
import './settings.css';

function Fields(section, readOnly) {
  const arc = section.at('arc_sealing');
  return html`
    <${ObjectList} section=${section} path="dkim_signing" label="DKIM signing keys (one per From domain)" itemLabel="Key"
      readOnly=${readOnly} testid="dkim-key" title=${(k) => (k.domain ? `${k.selector || '?'}._domainkey.${k.domain}` : null)}
      make=${() => ({ domain: '', selector: '', secret_name: 'mailgate/dkim/', algorithm: 'rsa-sha256' })}
      renderItem=${(i, p) => html`<div class="form-row">
        <${Bound} section=${section} path=${`${p}.domain`} label="From domain" placeholder="example.com" />
        <${Bound} section=${section} path=${`${p}.selector`} label="Selector" placeholder="s2026" />
        <${Bound} section=${section} path=${`${p}.secret_name`} label="Secrets Manager name of the private key"
          hint="under mailgate/dkim/" />
        <${BoundSelect} section=${section} path=${`${p}.algorithm`} label="Algorithm" options=${['rsa-sha256', 'ed25519-sha256']} />
      </div>`} />
    <section class="settings-section" aria-labelledby="arc-title">
      <h2 id="arc-title">ARC sealing</h2>
      <${BoundCheck} section=${section} path="arc_sealing" label="Seal all delivered mail (ARC, rsa-sha256)"
        checked=${Boolean(arc)}
        onChange=${(e) => section.set('arc_sealing', e.currentTarget.checked
          ? { domain: '', selector: '', secret_name: 'mailgate/arc/', algorithm: 'rsa-sha256' } : null)} />
      ${arc && html`<div class="form-row">
        <${Bound} section=${section} path="arc_sealing.domain" label="Sealing domain" />
        <${Bound} section=${section} path="arc_sealing.selector" label="Selector" />
        <${Bound} section=${section} path="arc_sealing.secret_name" label="Secrets Manager name of the private key"
          hint="under mailgate/arc/" />
      </div>`}
    </section>`;
}

export default function Signing() {
  const section = useSettingsSection({
    load: () => get('/settings/signing'),
    save: (version, draft) => put('/settings/signing', { version, settings: draft }),
    prefixes: ['settings', 'signing'],
  });
  return html`<${PageHeader} title="Signing" />
    <${SectionForm} section=${section} title="Signing keys" testid="signing-form">${Fields}</${SectionForm}>`;
}
