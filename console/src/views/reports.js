// Summary reports: the kept reports with their PDFs and mails (GET /reports, paged with its cursors), one made
// now (POST /reports/run) with its outcome, and the schedule (GET/PUT /settings/reports, replaced whole and
// versioned). Readers see the list; Administrators and SecurityOfficers make one now; Administrators and Auditors
// see the schedule, only Administrators change it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { ApiError, get, post, put } from '../api.js';
import { can, OPERATORS, SETTINGS_READERS } from '../roles.js';
import {
  Checkbox, ErrorNote, Field, Loading, Notice, PageHeader, Pager, Progress, Select, Table, Time, useAction, useId,
  usePages,
} from '../ui.js';
import {
  Bound, BoundCheck, SectionForm, StringList, relativeError, relativePath, useSettingsSection,
} from '../components/settings_section.js';
import './settings.css';

const PAGE_SIZE = 20;
// The API's download URLs are pre-signed for 15 minutes: the list is read again before they expire.
const RELOAD_MS = 10 * 60 * 1000;
const PERIODS = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week (Monday to Sunday)' },
  { value: 'month', label: 'Month' },
];
const PERIOD_NAMES = { day: 'Day', week: 'Week', month: 'Month' };

function size(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

function span(report) {
  return report.first_day === report.last_day ? report.first_day : `${report.first_day} – ${report.last_day}`;
}

function DownloadLink({ report }) {
  return html`<a href=${report.download_url} target="_blank" rel="noopener noreferrer" data-testid="report-pdf"
    aria-label=${`PDF of the ${report.period} report ${span(report)} (${size(report.size)})`}>PDF</a>`;
}

// The report as it was mailed (message/rfc822: the HTML with its charts, the PDF attached).
function MailLink({ report }) {
  return html`<a href=${report.mail_url} target="_blank" rel="noopener noreferrer" data-testid="report-eml"
    aria-label=${`Mail of the ${report.period} report ${span(report)} (.eml)`}>Mail (.eml)</a>`;
}

// GET /reports pages with its cursors, newest first: PAGE_SIZE a page, with the pager of the other lists.
function ReportList({ pages, fresh }) {
  const items = (pages.data && pages.data.reports) || [];
  // the pager once there is more than a page, kept while a page loads (the loading page's data is the last one's)
  const paged = useRef(false);
  if (pages.hasNext || pages.hasPrevious) paged.current = true;
  const columns = [
    { label: 'Period', render: (r) => html`<span data-testid="report-period">${PERIOD_NAMES[r.period] || r.period}</span>` },
    { label: 'Covers', render: (r) => html`<span data-testid="report-days">${span(r)}</span>` },
    { label: 'Made', render: (r) => html`<${Time} iso=${r.created} />${r.report_id === fresh ? html` <span class="badge good">new</span>` : ''}` },
    { label: 'Download', render: (r) => html`<${DownloadLink} report=${r} /> <span class="hint">${size(r.size)}</span>
      <${MailLink} report=${r} />` },
  ];
  return html`<section aria-labelledby="reports-kept" data-testid="report-list">
    <h2 id="reports-kept">Kept reports</h2>
    <p class="hint">Newest first, ${PAGE_SIZE} to a page. A download link is valid for 15 minutes; the page is
      read again every 10.</p>
    <div class="actions"><button type="button" onClick=${pages.reload} disabled=${pages.loading}>Reload the list</button></div>
    ${pages.loading && !pages.data && html`<${Loading} what="Loading the reports" />`}
    <${ErrorNote} error=${pages.error} />
    ${pages.data && html`<${Table} caption="Summary reports" columns=${columns} rows=${items}
      rowKey=${(r) => r.report_id} empty="No report has been made yet." />`}
    ${paged.current && html`<${Pager} pages=${pages} label="Report pages" />`}
  </section>`;
}

function RunOutcome({ made }) {
  const refused = Object.entries(made.not_mailed || {});
  return html`<div class=${refused.length ? 'notice warn' : 'notice ok'} role="status" data-testid="run-outcome">
    <p><strong>The ${made.period} report for ${span(made)} is made</strong> (${size(made.size)}): <a href=${made.download_url}
      target="_blank" rel="noopener noreferrer" data-testid="run-pdf">download the PDF</a>.</p>
    <p>${made.mailed_to.length ? `Mailed to ${made.mailed_to.join(', ')}.` : 'Mailed to nobody.'}</p>
    ${refused.length > 0 && html`<p>Not mailed:</p><ul>${refused.map(([address, why]) => html`<li><strong>${address}</strong>: ${why}</li>`)}</ul>`}
    ${made.warnings.length > 0 && html`<p>Warnings:</p><ul>${made.warnings.map((w) => html`<li>${w}</li>`)}</ul>`}
  </div>`;
}

function RunNow({ onMade }) {
  const [form, setForm] = useState({ period: 'day', end: '', mail: true });
  const endId = useId('in');
  const run = useAction(async () => {
    const body = { period: form.period, mail: form.mail };
    if (form.end) body.end = form.end;
    try {
      const made = await post('/reports/run', body);
      onMade(made);
      return made;
    } catch (err) {
      throw relativeError(err, ['body']);
    }
  });
  const endProblems = run.error instanceof ApiError ? run.error.problemsAt('end') : [];
  const submit = (e) => {
    e.preventDefault();
    if (!run.busy) run.run();
  };
  return html`<form class="settings-section" onSubmit=${submit} aria-labelledby="reports-run" data-testid="run-form" novalidate>
    <h2 id="reports-run">Run a report now</h2>
    <div class="form-row">
      <${Select} label="Period" path="period" error=${run.error} value=${form.period} options=${PERIODS}
        onChange=${(period) => setForm({ ...form, period })} />
      <${Field} label="A day of the period" path="end" error=${run.error} id=${endId}
        hint="empty: the last complete period, in the schedule's time zone">
        <input id=${endId} type="date" value=${form.end} data-testid="run-end"
          onInput=${(e) => setForm({ ...form, end: e.currentTarget.value })}
          aria-invalid=${endProblems.length ? 'true' : 'false'} />
      </${Field}>
    </div>
    <${Checkbox} label="Mail it to the schedule's recipients" checked=${form.mail}
      onChange=${(mail) => setForm({ ...form, mail })} data-testid="run-mail" />
    <div class="actions">
      <button type="submit" class="primary" disabled=${run.busy} data-testid="run-report">
        ${run.busy ? 'Making the report…' : 'Run the report'}</button>
    </div>
    ${run.busy && html`<${Progress} label=${`Making the ${form.period} report: gathering, drawing the charts, writing the PDF`} />`}
    ${run.error && html`<${ErrorNote} error=${run.error} />`}
    ${run.result && html`<${RunOutcome} made=${run.result} />`}
  </form>`;
}

// The API names the whole section (`$.reports`) for a bad time zone or address (its check spans the section):
// such a problem is moved beside the field its message names, else the form lists it below the fields.
const PREFIXES = ['settings', 'reports'];

function besideTheField(error, draft) {
  if (!(error instanceof ApiError) || error.problems.length === 0) return error;
  const placed = error.problems.map((p) => {
    if (relativePath(p.path, PREFIXES) !== '') return p;
    const message = String(p.message);
    if (message.startsWith('time_zone ')) return { ...p, path: 'time_zone' };
    const address = message.match(/^recipients: '(.*)' is not a mail address/);
    if (!address) return p;
    const index = ((draft && draft.recipients) || []).findIndex((r) => String(r).slice(0, 60) === address[1]);
    return { ...p, path: index >= 0 ? `recipients.${index}` : 'recipients' };
  });
  const copy = new ApiError(error.status, { ...(error.body || {}), problems: placed });
  copy.message = error.message;
  return copy;
}

const TIME_ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

function ScheduleFields(section, readOnly) {
  return html`
    <section class="settings-section" aria-labelledby="reports-periods">
      <h2 id="reports-periods">Which reports</h2>
      <${BoundCheck} section=${section} path="daily" label="Daily: the day before" data-testid="schedule-daily" />
      <${BoundCheck} section=${section} path="weekly" label="Weekly: on Mondays, the week before" data-testid="schedule-weekly" />
      <${BoundCheck} section=${section} path="monthly" label="Monthly: on the 1st, the month before" data-testid="schedule-monthly" />
    </section>
    <section class="settings-section" aria-labelledby="reports-when">
      <h2 id="reports-when">When</h2>
      <div class="form-row">
        <${Bound} section=${section} path="hour" label="Hour" number hint="0 to 23; made at minute 5 of it" data-testid="schedule-hour" />
        <${Bound} section=${section} path="time_zone" label="Time zone" hint="an IANA name, e.g. Europe/Berlin; also the reports' days"
          list="reports-time-zones" autocomplete="off" data-testid="schedule-time-zone" />
      </div>
      <datalist id="reports-time-zones">${TIME_ZONES.map((zone) => html`<option value=${zone} />`)}</datalist>
      <p class="hint">The reports are made in this hour of this time zone; a change applies from the next hour.</p>
    </section>
    <${StringList} section=${section} path="recipients" label="Recipients (in an accepted domain)" itemLabel="Address"
      readOnly=${readOnly} placeholder="security@example.com" testid="schedule-recipients" />`;
}

function Schedule() {
  const section = useSettingsSection({
    load: () => get('/settings/reports'),
    save: async (version, draft) => {
      try {
        return await put('/settings/reports', { version, settings: draft });
      } catch (err) {
        throw besideTheField(err, draft);
      }
    },
    prefixes: PREFIXES,
  });
  return html`<section aria-labelledby="reports-schedule">
    <h2 id="reports-schedule">Schedule</h2>
    <${SectionForm} section=${section} title="Report schedule" testid="reports-form"
      fields=${['daily', 'weekly', 'monthly', 'hour', 'time_zone', 'recipients']}>${ScheduleFields}</${SectionForm}>
  </section>`;
}

export default function Reports() {
  const pages = usePages((cursor) => get('/reports', { limit: PAGE_SIZE, cursor }));
  const [fresh, setFresh] = useState(null);
  useEffect(() => {
    const timer = setInterval(() => pages.reload(), RELOAD_MS);
    return () => clearInterval(timer);
  }, []);
  // a report made now is the newest: the first page shows it
  const made = (report) => {
    setFresh(report.report_id);
    pages.firstPage();
    pages.reload();
  };
  return html`<${PageHeader} title="Reports" />
    <p class="hint">Summary reports of a day, week or month: traffic and detections, the top held senders and
      targeted recipients, Backup, and the directory's health, kept as PDF and mailed to the recipients.</p>
    ${can(OPERATORS) && html`<${RunNow} onMade=${made} />`}
    ${!can(OPERATORS) && html`<${Notice}>Your role reads the reports; making one needs an Administrator or a SecurityOfficer.</${Notice}>`}
    <${ReportList} pages=${pages} fresh=${fresh} />
    ${can(SETTINGS_READERS) && html`<${Schedule} />`}`;
}
