// HTML of the demo site's pages. Plain server-rendered forms, so a robot drives them the way it
// drives the line-of-business sites RPA is used on.

/** One saved invoice. */
export interface DemoInvoice {
  /** Number the site gave it (1, 2, ...). */
  readonly id: number;
  /** The robot's idempotency field: `<runId>:<row>`. */
  readonly submissionKey: string;
  readonly customer: string;
  readonly invoiceNumber: string;
  readonly amount: number;
  readonly currency: string;
  readonly paid: boolean;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: sans-serif; max-width: 40rem; margin: 2rem auto; }
  label { display: block; margin: 0.6rem 0 0.2rem; }
  .error { color: #b00020; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** The login page; `failed` shows the wrong-credentials message. */
export function loginPage(failed: boolean): string {
  return layout(
    'Sign in - Demo Invoicing',
    `<h1>Sign in</h1>
${failed ? '<p class="error" id="login-error">Wrong user name or password.</p>' : ''}
<form id="login-form" method="post" action="/login">
  <label for="username">User name</label>
  <input id="username" name="username" autocomplete="username">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password">
  <p><button id="login" type="submit">Sign in</button></p>
</form>`,
  );
}

/** The invoice entry form; `submission_key` is hidden and filled by the robot. */
export function invoiceFormPage(user: string, problems: readonly string[] = []): string {
  return layout(
    'New invoice - Demo Invoicing',
    `<h1>New invoice</h1>
<p id="signed-in">Signed in as ${escapeHtml(user)}</p>
${problems.map((problem) => `<p class="error">${escapeHtml(problem)}</p>`).join('\n')}
<form id="invoice-form" method="post" action="/invoices">
  <input type="hidden" id="submission_key" name="submission_key" value="">
  <label for="customer">Customer</label>
  <input id="customer" name="customer">
  <label for="invoice_number">Invoice number</label>
  <input id="invoice_number" name="invoice_number">
  <label for="amount">Amount</label>
  <input id="amount" name="amount" inputmode="decimal">
  <label for="currency">Currency</label>
  <select id="currency" name="currency">
    <option value="EUR">Euro</option>
    <option value="USD">US dollar</option>
    <option value="GBP">Pound sterling</option>
  </select>
  <label><input type="checkbox" id="paid" name="paid" value="yes"> Already paid</label>
  <p><button id="submit" type="submit">Save invoice</button></p>
</form>`,
  );
}

/** The page a saved invoice lands on. */
export function confirmationPage(invoice: DemoInvoice): string {
  return layout(
    'Invoice saved - Demo Invoicing',
    `<h1>Invoice saved</h1>
<p id="confirmation">Invoice <span id="invoice-number">${escapeHtml(invoice.invoiceNumber)}</span> for
<span id="customer">${escapeHtml(invoice.customer)}</span> saved as
<span id="invoice-id">${invoice.id}</span>
(<span id="amount">${invoice.amount.toFixed(2)}</span> <span id="currency">${escapeHtml(invoice.currency)}</span>${invoice.paid ? ', paid' : ''}).</p>
<p><a id="new-invoice" href="/invoices/new">Enter another invoice</a></p>`,
  );
}

/** A stand-in for https://example.com, for workflows written against it. */
export function examplePage(): string {
  return layout(
    'Example Domain',
    `<div>
<h1>Example Domain</h1>
<p>This domain is for use in documentation examples without needing permission.</p>
<p><a href="https://iana.org/domains/example">Learn more</a></p>
</div>`,
  );
}

/** A page that is not there. */
export function notFoundPage(path: string): string {
  return layout('Not found', `<h1>Not found</h1><p>No page at ${escapeHtml(path)}.</p>`);
}
