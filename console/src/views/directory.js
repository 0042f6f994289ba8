// The directory: LDAP/AD connections with their synchronisation status, "sync now" (which is also the test
// of a connection: the API has no separate check) with its progress, users and groups, and duplicates.
// Readers look; administrators create, change, delete and synchronise.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { ApiError, del, get, post, put, seg } from '../api.js';
import { can, ADMINISTRATORS } from '../roles.js';
import {
  ErrorNote, Loading, Notice, PageHeader, Progress, Table, TextArea, TextInput, Select, Checkbox, Time,
  useAction, useConfirm, useLoad,
} from '../ui.js';
import { numberOrText, relativeError } from '../components/settings_section.js';
import './settings.css';

const FINISHED = ['succeeded', 'failed', 'skipped'];
const POLL_MS = 1000;
const POLL_LIMIT = 600; // ten minutes: then the status row says how it ended

const STATE_CLASS = { ok: 'status-ok', warning: 'status-warn', failed: 'status-bad', never: '' };

function blank() {
  return {
    name: '', domain: '', kind: 'active_directory', profile: '', servers: '', base_dn: '', bind_dn: '',
    bind_method: 'simple', password: '', password_secret: '', tls: 'ldaps', ca_pem: '', tls_server_name: '',
    netbios_domain: '', connect_timeout_seconds: 5, read_timeout_seconds: 30, read_contacts: true,
    schedule_minutes: 30, page_size: 500,
  };
}

// A stored connection as the form edits it (servers as "host:port" lines, no password).
function toForm(c) {
  return {
    ...blank(), ...c, profile: c.profile || '', ca_pem: c.ca_pem || '', tls_server_name: c.tls_server_name || '',
    netbios_domain: c.netbios_domain || '', password: '', password_secret: c.password_secret || '',
    servers: (c.servers || []).map((s) => (s.port ? `${s.host}:${s.port}` : s.host)).join('\n'),
  };
}

// The form as ConnectionBody: empty optional fields left out, servers parsed.
function toBody(form, existing) {
  const body = {};
  for (const key of ['name', 'domain', 'kind', 'base_dn', 'bind_dn', 'bind_method', 'tls', 'read_contacts']) body[key] = form[key];
  for (const key of ['profile', 'password', 'ca_pem', 'tls_server_name', 'netbios_domain']) if (form[key]) body[key] = form[key];
  if (form.password_secret && !form.password && !(existing && existing.password_secret === form.password_secret)) {
    body.password_secret = form.password_secret;
  }
  for (const key of ['connect_timeout_seconds', 'read_timeout_seconds', 'schedule_minutes', 'page_size']) {
    const value = numberOrText(form[key]);
    if (value !== null) body[key] = value;
  }
  body.servers = String(form.servers).split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const found = line.match(/^(.*):(\d+)$/);
    return found ? { host: found[1].replace(/^\[|\]$/g, ''), port: Number(found[2]) } : { host: line };
  });
  if (existing) {
    body.filters = existing.filters;
    body.attributes = existing.attributes;
  }
  return body;
}

function ConnectionForm({ existing, onDone, onCancel }) {
  const [form, setForm] = useState(existing ? toForm(existing) : blank());
  const set = (key) => (value) => setForm({ ...form, [key]: value });
  const save = useAction(async () => {
    const body = toBody(form, existing);
    try {
      return existing
        ? await put(`/directory/connections/${seg(existing.connection_id)}`, body)
        : await post('/directory/connections', body);
    } catch (err) {
      throw relativeError(err, []);
    }
  });
  const error = save.error;
  const submit = async (e) => {
    e.preventDefault();
    const done = await save.run();
    if (done) onDone(done);
  };
  const field = (key, label, extra = {}) => html`<${TextInput} label=${label} path=${key} error=${error}
    value=${form[key]} onInput=${set(key)} ...${extra} />`;
  return html`<form class="settings-section" onSubmit=${submit} aria-label=${existing ? `Change ${existing.name}` : 'New connection'}
    data-testid="connection-form">
    <h2>${existing ? `Change ${existing.name}` : 'New connection'}</h2>
    <div class="form-row">
      ${field('name', 'Name')}
      ${field('domain', 'Mail domain', { hint: 'also where SRV records are looked up' })}
      <${Select} label="Kind" path="kind" error=${error} value=${form.kind} onChange=${set('kind')}
        options=${[{ value: 'active_directory', label: 'Active Directory' }, { value: 'ldap', label: 'LDAP' }]} />
      <${Select} label="Schema" path="profile" error=${error} value=${form.profile} onChange=${set('profile')}
        options=${[{ value: '', label: "the kind's default" }, { value: 'active_directory', label: 'active_directory' }, { value: 'openldap', label: 'openldap' }]} />
    </div>
    <${TextArea} label="Servers (host or host:port, one a line)" path="servers" error=${error} rows="2" value=${form.servers}
      onInput=${set('servers')} hint="empty: domain controllers from _ldap._tcp SRV records" />
    <div class="form-row">
      ${field('base_dn', 'Search base (DN)')}
      ${field('bind_dn', 'Bind as', { hint: 'DN, user@domain, or DOMAIN\\user for NTLM' })}
      <${Select} label="Bind method" path="bind_method" error=${error} value=${form.bind_method} onChange=${set('bind_method')}
        options=${['simple', 'ntlm']} />
    </div>
    <div class="form-row">
      ${field('password', existing ? 'New password (empty: keep the stored one)' : 'Password', { type: 'password', autocomplete: 'new-password' })}
      ${field('password_secret', 'Or an existing secret', { hint: 'under mailgate/ldap/' })}
    </div>
    <div class="form-row">
      <${Select} label="TLS" path="tls" error=${error} value=${form.tls} onChange=${set('tls')} options=${['ldaps', 'starttls']} />
      ${field('tls_server_name', 'TLS server name')}
      ${field('netbios_domain', 'NetBIOS domain')}
    </div>
    <${TextArea} label="Custom CA (PEM)" path="ca_pem" error=${error} rows="2" value=${form.ca_pem} onInput=${set('ca_pem')} />
    <div class="form-row">
      ${field('connect_timeout_seconds', 'Connect timeout (s)', { type: 'number', step: 'any' })}
      ${field('read_timeout_seconds', 'Read timeout (s)', { type: 'number' })}
      ${field('schedule_minutes', 'Synchronise every (minutes)', { type: 'number', hint: '30 to 10080' })}
      ${field('page_size', 'Page size', { type: 'number' })}
    </div>
    <${Checkbox} label="Read contacts" checked=${form.read_contacts} onChange=${set('read_contacts')} />
    <${ErrorNote} error=${error} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${save.busy} data-testid="connection-save">${existing ? 'Save the connection' : 'Create the connection'}</button>
      <button type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Sync now: start it, then read its status until it is done.
function useSync(onFinished) {
  const [progress, setProgress] = useState(null);
  const action = useAction(async (connection) => {
    const id = connection.connection_id;
    const started = await post(`/directory/connections/${seg(id)}/sync`);
    let run = { state: started.state, sync_id: started.sync_id };
    setProgress({ name: connection.name, state: run.state });
    for (let i = 0; i < POLL_LIMIT && !FINISHED.includes(run.state); i += 1) {
      await sleep(POLL_MS);
      run = await get(`/directory/connections/${seg(id)}/sync/${seg(started.sync_id)}`);
      setProgress({ name: connection.name, state: run.state });
    }
    setProgress(null);
    onFinished();
    return { ...run, name: connection.name };
  });
  return { ...action, progress };
}

function SyncOutcome({ run }) {
  const good = run.state === 'succeeded';
  return html`<div class=${good ? 'notice ok' : 'notice warn'} role="status" data-testid="sync-outcome">
    <strong>Sync of ${run.name}: ${run.state}</strong>${run.mode ? ` (${run.mode})` : ''}
    ${run.counts && Object.keys(run.counts).length > 0 && html` · ${Object.entries(run.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`}
    ${run.errors && run.errors.length > 0 && html`<ul>${run.errors.map((e) => html`<li>${e}</li>`)}</ul>`}
    ${run.warnings && run.warnings.length > 0 && html`<ul>${run.warnings.map((w) => html`<li>${w}</li>`)}</ul>`}
  </div>`;
}

function Status({ status }) {
  return html`<span class=${STATE_CLASS[status.state] || ''} data-testid="connection-state">${status.state}</span>
    ${status.last_error && html`<div class="status-bad" data-testid="connection-error">${status.error_kind ? `${status.error_kind}: ` : ''}${status.last_error}</div>`}
    ${status.warnings && status.warnings.length > 0 && html`<div class="status-warn">${status.warnings.join('; ')}</div>`}
    ${status.stale_since && html`<div>stale since <${Time} iso=${status.stale_since} /></div>`}`;
}

function Connections() {
  const admin = can(ADMINISTRATORS);
  const list = useLoad(() => get('/directory/connections'));
  const [editing, setEditing] = useState(null); // null, 'new' or a connection
  const [message, setMessage] = useState(null);
  const [confirm, dialog] = useConfirm();
  const sync = useSync(() => list.reload());
  const remove = useAction(async (c) => {
    await del(`/directory/connections/${seg(c.connection_id)}`);
    setMessage(`Deleted ${c.name}.`);
    list.reload();
  });
  const items = (list.data && list.data.items) || [];
  const columns = [
    { label: 'Name', render: (c) => html`<strong>${c.name}</strong><div class="hint">${c.domain} · ${c.kind}</div>` },
    { label: 'Servers', render: (c) => (c.servers.length ? c.servers.map((s) => (s.port ? `${s.host}:${s.port}` : s.host)).join(', ') : 'from DNS (SRV)') },
    { label: 'Status', render: (c) => html`<${Status} status=${c.status} />` },
    { label: 'Last success', render: (c) => html`<${Time} iso=${c.status.last_success} />` },
    { label: 'Last attempt', render: (c) => html`<${Time} iso=${c.status.last_attempt} />` },
    { label: 'Entries', render: (c) => Object.entries(c.status.counts || {}).map(([k, v]) => `${k} ${v}`).join(', ') || '—' },
  ];
  if (admin) {
    columns.push({
      label: 'Actions',
      render: (c) => html`<div class="actions">
        <button type="button" onClick=${() => sync.run(c)} disabled=${sync.busy} aria-label=${`Sync now: ${c.name}`}
          data-testid="sync-now">Sync now</button>
        <button type="button" onClick=${() => { setEditing(c); setMessage(null); }} aria-label=${`Change ${c.name}`}>Change</button>
        <button type="button" class="danger" aria-label=${`Delete ${c.name}`}
          onClick=${async () => (await confirm(`Delete the connection ${c.name}, its stored password and everything read from it?`, 'Delete')) && remove.run(c)}>Delete</button>
      </div>`,
    });
  }
  return html`<section aria-labelledby="dir-connections">
    <h2 id="dir-connections">Connections</h2>
    <p class="hint">"Sync now" is also the test of a connection: it connects, reads, and reports what went wrong.</p>
    ${list.loading && !list.data && html`<${Loading} what="Loading the connections" />`}
    <${ErrorNote} error=${list.error} />
    ${list.data && html`<${Table} caption="Directory connections" columns=${columns} rows=${items}
      rowKey=${(c) => c.connection_id} empty="No connection yet." />`}
    ${sync.progress && html`<${Progress} label=${`Synchronising ${sync.progress.name}: ${sync.progress.state}`} />`}
    ${sync.result && html`<${SyncOutcome} run=${sync.result} />`}
    <${ErrorNote} error=${sync.error || remove.error} />
    ${message && html`<${Notice} kind="ok">${message}</${Notice}>`}
    ${admin && editing === null && html`<div class="actions"><button type="button" class="primary"
      onClick=${() => { setEditing('new'); setMessage(null); }} data-testid="new-connection">New connection</button></div>`}
    ${admin && editing !== null && html`<${ConnectionForm} key=${editing === 'new' ? 'new' : editing.connection_id}
      existing=${editing === 'new' ? null : editing} onCancel=${() => setEditing(null)}
      onDone=${(c) => { setEditing(null); setMessage(`Saved ${c.name}.`); list.reload(); }} />`}
    ${dialog}
  </section>`;
}

function accountColumns() {
  return [
    { label: 'Name', render: (a) => a.display_name || a.primary || a.dn },
    { label: 'Kind', render: (a) => html`${a.kind}${a.disabled ? html` <span class="badge bad">disabled</span>` : ''}` },
    { label: 'Addresses', render: (a) => a.addresses.join(', ') || '—' },
    { label: 'Login names', render: (a) => [a.kerberos_name, a.ntlm_name].filter(Boolean).join(', ') || '—' },
    { label: 'DN', render: (a) => html`<code>${a.dn}</code>` },
  ];
}

function Search() {
  const [q, setQ] = useState('');
  const search = useAction(async () => get('/directory/search', { q, limit: 50 }));
  const submit = (e) => {
    e.preventDefault();
    if (q.trim()) search.run();
  };
  return html`<section aria-labelledby="dir-search">
    <h2 id="dir-search">Users and groups</h2>
    <form class="form-row" onSubmit=${submit} aria-label="Search the directory">
      <${TextInput} label="Name or address starts with" value=${q} onInput=${setQ} path="q" error=${search.error} />
      <div class="actions"><button type="submit" disabled=${search.busy || !q.trim()}>Search</button></div>
    </form>
    <${ErrorNote} error=${search.error} />
    ${search.result && html`<${Table} caption=${`Accounts starting with "${q}"`} columns=${accountColumns()}
      rows=${search.result.items} rowKey=${(a) => a.key} empty="No account matches." />`}
  </section>`;
}

function Resolve() {
  const [address, setAddress] = useState('');
  const resolve = useAction(async () => get('/directory/resolve', { address }));
  const submit = (e) => {
    e.preventDefault();
    if (address.trim()) resolve.run();
  };
  const found = resolve.result;
  const missing = resolve.error instanceof ApiError && resolve.error.status === 404;
  return html`<section aria-labelledby="dir-resolve">
    <h2 id="dir-resolve">An address's account and groups</h2>
    <form class="form-row" onSubmit=${submit} aria-label="Resolve an address">
      <${TextInput} label="Address" type="email" value=${address} onInput=${setAddress} path="address" error=${resolve.error} />
      <div class="actions"><button type="submit" disabled=${resolve.busy || !address.trim()}>Look up</button></div>
    </form>
    ${missing ? html`<${Notice}>${resolve.error.message}</${Notice}>` : html`<${ErrorNote} error=${resolve.error} />`}
    ${found && html`<div class="settings-section">
      <p><strong>${found.address}</strong>: ${found.account ? found.account.display_name || found.account.dn : 'two or more accounts claim this address'}
        · personal lists ${found.personal_allowed ? 'allowed' : 'not allowed'}</p>
      ${found.duplicates.length > 0 && html`<p class="status-warn">Duplicates: ${found.duplicates.join(', ')}</p>`}
      <${Table} caption="Groups (nested too)" columns=${accountColumns()} rows=${found.groups} rowKey=${(g) => g.key} empty="In no group." />
    </div>`}
  </section>`;
}

function Duplicates() {
  const list = useLoad(() => get('/directory/duplicates'));
  return html`<section aria-labelledby="dir-duplicates">
    <h2 id="dir-duplicates">Duplicates</h2>
    ${list.loading && !list.data && html`<${Loading} what="Loading the duplicates" />`}
    <${ErrorNote} error=${list.error} />
    ${list.data && html`<${Table} caption="Names and addresses more than one account has" rows=${list.data.items}
      empty="No duplicates." columns=${[
        { label: 'Kind', key: 'kind' },
        { label: 'Value', render: (d) => html`<code>${d.value}</code>` },
        { label: 'Accounts', render: (d) => d.accounts.map((a) => a.label).join('; ') },
        { label: 'Consequence', key: 'consequence' },
      ]} />`}
  </section>`;
}

export default function Directory() {
  return html`<${PageHeader} title="Directory" />
    <${Connections} />
    <${Search} />
    <${Resolve} />
    <${Duplicates} />`;
}
