// The console's frame: who is signed in, the navigation their roles allow, and the page for the address.
import { useEffect, useRef } from 'preact/hooks';
import { LocationProvider, Router, Route, lazy, useLocation } from 'preact-iso';
import { html } from './html.js';
import { me, can, personalOnly, READERS, SETTINGS_READERS, ALL } from './roles.js';
import { signOut } from './auth.js';

const Dashboard = lazy(() => import('./views/dashboard.js'));
const Trace = lazy(() => import('./views/trace.js'));
const TraceMessage = lazy(() => import('./views/trace_message.js'));
const Backup = lazy(() => import('./views/backup.js'));
const BackupEntry = lazy(() => import('./views/backup_entry.js'));
const Quarantine = lazy(() => import('./views/quarantine.js'));
const Rules = lazy(() => import('./views/rules.js'));
const Lists = lazy(() => import('./views/lists.js'));
const ContentFilter = lazy(() => import('./views/content_filter.js'));
const Antivirus = lazy(() => import('./views/antivirus.js'));
const Antispam = lazy(() => import('./views/antispam.js'));
const Modifications = lazy(() => import('./views/modifications.js'));
const Notifications = lazy(() => import('./views/notifications.js'));
const Signing = lazy(() => import('./views/signing.js'));
const General = lazy(() => import('./views/general.js'));
const Directory = lazy(() => import('./views/directory.js'));
const Reports = lazy(() => import('./views/reports.js'));
const Audit = lazy(() => import('./views/audit.js'));
const Transfer = lazy(() => import('./views/transfer.js'));
const MyBackup = lazy(() => import('./views/my_backup.js'));
const MyLists = lazy(() => import('./views/my_lists.js'));
const NotFound = lazy(() => import('./views/not_found.js'));

// [path, label, component, roles that see it]
export const SECTIONS = [
  ['Monitoring', [
    ['/', 'Dashboard', Dashboard, READERS],
    ['/trace', 'Message trace', Trace, READERS],
    ['/backup', 'Backup', Backup, READERS],
    ['/quarantine', 'Anti-Spam Quarantine', Quarantine, READERS],
    ['/reports', 'Reports', Reports, READERS],
  ]],
  ['Policy', [
    ['/rules', 'Rules', Rules, SETTINGS_READERS],
    ['/lists', 'Allow and deny lists', Lists, READERS],
    ['/content-filter', 'Content Filtering', ContentFilter, SETTINGS_READERS],
    ['/antivirus', 'Anti-Virus', Antivirus, SETTINGS_READERS],
    ['/antispam', 'Anti-Spam', Antispam, SETTINGS_READERS],
    ['/modifications', 'Modifications', Modifications, SETTINGS_READERS],
    ['/notifications', 'Notifications', Notifications, SETTINGS_READERS],
  ]],
  ['System', [
    ['/signing', 'Signing', Signing, SETTINGS_READERS],
    ['/general', 'General', General, SETTINGS_READERS],
    ['/directory', 'Directory', Directory, READERS],
    ['/audit', 'Audit trail', Audit, SETTINGS_READERS],
    ['/transfer', 'Settings export and import', Transfer, SETTINGS_READERS],
  ]],
  ['My mail', [
    ['/my/backup', 'My Backup', MyBackup, ALL],
    ['/my/lists', 'My lists', MyLists, ALL],
  ]],
];

const DETAIL_ROUTES = [
  ['/trace/:id', TraceMessage, READERS],
  ['/backup/:id', BackupEntry, ALL],
];

function Navigation() {
  const { path } = useLocation();
  return html`<nav class="sidebar" aria-label="Console sections">
    ${SECTIONS.map(([title, items]) => {
      const visible = items.filter(([, , , roles]) => can(roles));
      if (visible.length === 0) return null;
      return html`<section>
        <h2>${title}</h2>
        <ul>${visible.map(([href, label]) => html`<li>
          <a href=${href} aria-current=${path === href || (href !== '/' && path.startsWith(href + '/')) ? 'page' : undefined}>${label}</a>
        </li>`)}</ul>
      </section>`;
    })}
  </nav>`;
}

function Forbidden() {
  return html`<div class="error" role="alert"><h1>Not for your role</h1>
    <p>Your roles (${me().roles.join(', ') || 'none'}) do not include this page. <a href="/">Back to the start</a>.</p></div>`;
}

function guarded(Component, roles) {
  return (props) => (can(roles) ? html`<${Component} ...${props} />` : html`<${Forbidden} />`);
}

// A personal user's start page is their Backup.
function Home(props) {
  const { route } = useLocation();
  useEffect(() => {
    if (personalOnly()) route('/my/backup', true);
  }, []);
  return personalOnly() ? null : html`<${Dashboard} ...${props} />`;
}

// Focus the new page's heading after navigation, so keyboard and screen-reader users land on it (a link in
// the navigation keeps the focus otherwise). Pages load lazily: wait for the heading, a few seconds at most.
function FocusOnNavigate() {
  const { path } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return undefined;
    }
    let frames = 0;
    let handle = 0;
    const previous = document.getElementById('page-title'); // the old page stays up while the new one loads
    const focusHeading = () => {
      frames += 1;
      const heading = document.getElementById('page-title');
      const main = document.getElementById('main');
      const typing = main && main.contains(document.activeElement) && document.activeElement !== main;
      const arrived = heading && (heading !== previous || frames > 60);
      if (arrived && !typing) heading.focus();
      else if (!arrived && frames < 300) handle = requestAnimationFrame(focusHeading);
    };
    handle = requestAnimationFrame(focusHeading);
    return () => cancelAnimationFrame(handle);
  }, [path]);
  return null;
}

export function App() {
  const who = me();
  const routes = SECTIONS.flatMap(([, items]) => items).filter(([href]) => href !== '/');
  return html`<${LocationProvider}>
    <a class="skip" href="#main">Skip to the page</a>
    <header class="topbar" data-testid="app-ready">
      <a class="brand" href="/">mailgate</a>
      <span class="who">Signed in as <strong>${who.username}</strong> (${who.roles.join(', ') || 'no role'})</span>
      <button type="button" onClick=${signOut}>Sign out</button>
    </header>
    <div class="frame">
      <${Navigation} />
      <main id="main">
        <${FocusOnNavigate} />
        <${Router}>
          <${Route} path="/" component=${Home} />
          ${routes.map(([href, , Component, roles]) => html`<${Route} path=${href} component=${guarded(Component, roles)} />`)}
          ${DETAIL_ROUTES.map(([href, Component, roles]) => html`<${Route} path=${href} component=${guarded(Component, roles)} />`)}
          <${Route} default component=${NotFound} />
        </${Router}>
      </main>
    </div>
  </${LocationProvider}>`;
}
