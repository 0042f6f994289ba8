// An address the console does not have.
import { html } from '../html.js';
import { PageHeader } from '../ui.js';

export default function NotFound() {
  return html`<${PageHeader} title="No such page" /><p>The console has no page at this address. <a href="/">Back to the start</a>.</p>`;
}
