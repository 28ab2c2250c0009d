import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERNAME, fetchSubmissions, startDemoSite, type DemoSite } from './demo-site.js';

/** Form fields of one invoice, as the robot would post them. */
function anInvoice(overrides: Record<string, string> = {}): Record<string, string> {
  return { submission_key: 'run-a:0', customer: 'Acme', invoice_number: 'INV-1', amount: '12.50', currency: 'EUR', ...overrides };
}

describe('demo site', () => {
  let site: DemoSite;
  let session: string;

  async function post(path: string, fields: Record<string, string>, cookie = session): Promise<Response> {
    return fetch(`${site.url}${path}`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { cookie },
      redirect: 'manual',
    });
  }

  beforeAll(async () => {
    site = await startDemoSite({ port: 0 });
  });
  afterAll(() => site.close());
  beforeEach(async () => {
    site.reset();
    const login = await post('/login', { username: DEMO_USERNAME, password: DEMO_PASSWORD }, '');
    session = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  });

  it('signs in with the demo credentials and refuses others', async () => {
    expect(session).toMatch(/^demo_session=/);
    const refused = await post('/login', { username: DEMO_USERNAME, password: 'wrong' }, '');
    expect(refused.status).toBe(303);
    expect(refused.headers.get('location')).toBe('/login?error=1');
    const form = await fetch(`${site.url}/invoices/new`, { redirect: 'manual' });
    expect(form.headers.get('location')).toBe('/login');
  });

  it('serves the invoice form with a hidden submission key', async () => {
    const form = await (await fetch(`${site.url}/invoices/new`, { headers: { cookie: session } })).text();
    expect(form).toContain('<input type="hidden" id="submission_key" name="submission_key" value="">');
    expect(form).toContain('<select id="currency" name="currency">');
  });

  it('saves an invoice and shows its confirmation page', async () => {
    const saved = await post('/invoices', anInvoice({ paid: 'yes' }));
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/invoices/confirmation?id=1');
    const page = await (await fetch(`${site.url}/invoices/confirmation?id=1`, { headers: { cookie: session } })).text();
    expect(page).toContain('<span id="invoice-number">INV-1</span>');
    expect(page).toContain('<span id="invoice-id">1</span>');
  });

  it('records every raw POST and saves one invoice per submission key', async () => {
    await post('/invoices', anInvoice());
    const again = await post('/invoices', anInvoice());
    await post('/invoices', anInvoice({ submission_key: 'run-a:1', invoice_number: 'INV-2' }));
    await post('/invoices', anInvoice({ submission_key: 'run-b:0' }));

    expect(again.headers.get('location')).toBe('/invoices/confirmation?id=1');
    const report = site.submissions('run-a:');
    expect(report).toMatchObject({ raw: 3, unique: 2, byKey: { 'run-a:0': 2, 'run-a:1': 1 } });
    expect(report.invoices.map((invoice) => invoice.invoiceNumber)).toEqual(['INV-1', 'INV-2']);
    expect(await fetchSubmissions(site.url, 'run-a:')).toEqual(JSON.parse(JSON.stringify(report)));
    expect((await fetchSubmissions(site.url)).raw).toBe(4);
  });

  it('rejects an incomplete invoice with the problems, counting the raw POST only', async () => {
    const rejected = await post('/invoices', anInvoice({ amount: 'twelve', submission_key: '' }));
    expect(rejected.status).toBe(400);
    const page = await rejected.text();
    expect(page).toContain('The submission key is missing.');
    expect(page).toContain('Amount must be a number like 120.50.');
    expect(site.submissions()).toMatchObject({ raw: 1, unique: 0 });
  });

  it('refuses an invoice without a session', async () => {
    expect((await post('/invoices', anInvoice(), '')).status).toBe(401);
    expect(site.submissions().unique).toBe(0);
  });

  it('serves a stand-in for example.com', async () => {
    const page = await (await fetch(`${site.url}/example/`)).text();
    expect(page).toContain('<title>Example Domain</title>');
    expect(page).toContain('<h1>Example Domain</h1>');
  });
});
