// Start: read config.json (where the API and the login are), sign in, learn the roles, show the console.
import { render } from 'preact';
import { html } from './html.js';
import { signIn } from './auth.js';
import { get, useApiAt } from './api.js';
import { setMe } from './roles.js';
import { App } from './app.js';
import './style.css';

function fail(message) {
  const root = document.getElementById('app');
  root.replaceChildren();
  const box = document.createElement('div');
  box.className = 'error fatal';
  box.setAttribute('role', 'alert');
  const title = document.createElement('h1');
  title.textContent = 'The console could not start';
  const text = document.createElement('p');
  text.textContent = message;
  box.append(title, text);
  root.append(box);
}

async function start() {
  const reply = await fetch('/config.json', { cache: 'no-store' });
  if (!reply.ok) throw new Error(`config.json answered ${reply.status}: the deployment did not write it`);
  const config = await reply.json();
  const user = await signIn(config);
  if (!user) return; // on the way to the login page
  useApiAt(config.apiUrl);
  setMe(await get('/me'));
  const root = document.getElementById('app');
  root.replaceChildren(); // the "Loading…" line: Preact would keep it beside the console
  render(html`<${App} />`, root);
}

start().catch((err) => fail(err.message || String(err)));
