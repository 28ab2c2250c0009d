/** Which page the shell boots into. */
export interface ConsolePage {
  readonly page: 'runs' | 'run';
  readonly runId?: string;
  /** Key the page's script sends with state-changing requests. */
  readonly actionKey: string;
}

/** The HTML shell of a console page: the script (built from `page/console-page.ts`) draws the rest. */
export function consolePageHtml(page: ConsolePage): string {
  const title = page.page === 'run' ? `Run ${page.runId ?? ''}` : 'Runs';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="casare-action-key" content="${escapeHtml(page.actionKey)}">
<title>${escapeHtml(title)} · casare console</title>
<link rel="stylesheet" href="/assets/console.css">
</head>
<body>
<header class="top"><a href="/" class="brand">casare console</a><span class="live" id="live"></span></header>
<main id="app" data-page="${page.page}"${page.runId === undefined ? '' : ` data-run-id="${escapeHtml(page.runId)}"`}><p class="muted">Loading…</p></main>
<script type="module" src="/assets/console.js"></script>
</body>
</html>
`;
}

/** A page that says why a request was refused (404 unknown run, 401 token, 400 malformed). */
export function messagePageHtml(status: number, message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${status} · casare console</title><link rel="stylesheet" href="/assets/console.css"></head>
<body>
<header class="top"><a href="/" class="brand">casare console</a></header>
<main><h1 class="error-title">${status}</h1><p id="message">${escapeHtml(message)}</p><p><a href="/">All runs</a></p></main>
</body>
</html>
`;
}

/** Text safe to put in HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
