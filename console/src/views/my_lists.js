// Placeholder: this view is being written (issue 16).
import { html } from '../html.js';
import { PageHeader } from '../ui.js';

export default function View() {
  return html`<${PageHeader} title="my_lists" /><p>Not written yet.</p>`;
}
