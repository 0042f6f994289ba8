// General settings: our authserv-id, the bounce sender, the header prefix, retention, DNS and delivery
// (GET /settings/general; PATCH sends only what changed, `dns` and `delivery` merge key by key).
import { html } from '../html.js';
import { PageHeader } from '../ui.js';
import {
  Bound, BoundCheck, BoundChoices, SectionForm, StringList, changes, useSettingsSection,
} from '../components/settings_section.js';
import { get, patch } from '../api.js';
import './settings.css';

const SELF_RELEASABLE = ['antispam', 'content_filter', 'links', 'authentication', 'deny_list', 'rule'];

function split({ version, ...settings }) {
  return { version, settings };
}

async function save(version, draft, loaded) {
  const body = { version };
  for (const { path } of changes(loaded, draft)) {
    const top = path.split('.')[0];
    body[top] = draft[top];
  }
  return split(await patch('/settings/general', body));
}

function Fields(section, readOnly) {
  return html`
    <section class="settings-section" aria-labelledby="gen-names">
      <h2 id="gen-names">Names</h2>
      <div class="form-row">
        <${Bound} section=${section} path="authserv_id" label="authserv-id" hint="our name in Authentication-Results" />
        <${Bound} section=${section} path="bounce_from" label="Bounces come from" />
        <${Bound} section=${section} path="header_prefix" label="Header field prefix" hint="e.g. X-Mailgate-" />
      </div>
    </section>
    <section class="settings-section" aria-labelledby="gen-retention">
      <h2 id="gen-retention">Retention</h2>
      <div class="form-row">
        <${Bound} section=${section} path="event_retention_days" label="Event log kept (days)" number hint="1 to 3650" />
        <${Bound} section=${section} path="backup_retention_days" label="Backup kept (days)" number hint="1 to 3650" />
        <${Bound} section=${section} path="backup_max_megabytes" label="Backup at most (megabytes)" number
          hint="the oldest entries go first beyond it" />
      </div>
      <${BoundChoices} section=${section} path="backup_self_release" choices=${SELF_RELEASABLE}
        legend="Users may release from their own Backup what was held for" />
    </section>
    <section class="settings-section" aria-labelledby="gen-dns">
      <h2 id="gen-dns">DNS</h2>
      <${StringList} section=${section} path="dns.servers" label="Resolvers (empty: the system's)" itemLabel="Server"
        readOnly=${readOnly} placeholder="192.0.2.53" />
      <div class="form-row">
        <${Bound} section=${section} path="dns.port" label="Port" number />
        <${Bound} section=${section} path="dns.timeout_seconds" label="Timeout (seconds)" number hint="above 0, at most 30" />
      </div>
      <${BoundCheck} section=${section} path="dns.no_network" label="No network: every lookup answers temperror" />
    </section>
    <section class="settings-section" aria-labelledby="gen-delivery">
      <h2 id="gen-delivery">Delivery</h2>
      <div class="form-row">
        <${Bound} section=${section} path="delivery.max_attempts" label="Attempts before Backup" number hint="1 to 50" />
        <${Bound} section=${section} path="delivery.connect_timeout_seconds" label="Connect timeout (seconds)" number />
        <${Bound} section=${section} path="delivery.retry_base_seconds" label="First retry after (seconds)" number
          hint="doubles with every retry" />
      </div>
    </section>`;
}

export default function General() {
  const section = useSettingsSection({
    load: async () => split(await get('/settings/general')),
    save,
    prefixes: [],
  });
  return html`<${PageHeader} title="General" />
    <${SectionForm} section=${section} title="General settings" testid="general-form">${Fields}</${SectionForm}>`;
}
