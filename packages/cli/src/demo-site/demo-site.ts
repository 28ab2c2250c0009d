import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { confirmationPage, examplePage, invoiceFormPage, loginPage, notFoundPage, type DemoInvoice } from './demo-pages.js';

/** Port `casare demo-site` listens on by default; the invoice robot's `base_url` points here. */
export const DEMO_SITE_PORT = 8787;
/** User name the demo site accepts. */
export const DEMO_USERNAME = 'demo';
/** Password the demo site accepts by default (the robot reads it from `{{$secret:DEMO_PASSWORD}}`). */
export const DEMO_PASSWORD = 'demo-password';

const SESSION_COOKIE = 'demo_session';
const MAX_BODY_BYTES = 64 * 1024;

/** Options of `startDemoSite`. */
export interface DemoSiteOptions {
  /** TCP port; 0 picks a free one. Default 8787. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Accepted user name. */
  readonly username?: string;
  /** Accepted password. */
  readonly password?: string;
  /**
   * Time the server takes to save an invoice, ms (default 0). The save happens before the wait, so a
   * robot killed during it has submitted but not seen the confirmation: the case deduplication covers.
   */
  readonly saveDelayMs?: number;
  /** Called as each POST to /invoices arrives, before the site answers (crash tests kill robots here). */
  readonly onSubmission?: (submission: RawSubmission) => void;
}

/** One POST to /invoices exactly as received. */
export interface RawSubmission {
  /** Receive time, ms since the epoch. */
  readonly at: number;
  /** The form fields as posted. */
  readonly fields: Readonly<Record<string, string>>;
}

/** What the site has received: every raw POST and the invoices after deduplication by `submission_key`. */
export interface SubmissionReport {
  /** POSTs to /invoices, duplicates included. */
  readonly raw: number;
  /** Invoices saved, one per distinct `submission_key`. */
  readonly unique: number;
  /** POSTs per `submission_key` (a value above 1 is a resubmission the site absorbed). */
  readonly byKey: Readonly<Record<string, number>>;
  /** The saved invoices, in order. */
  readonly invoices: readonly DemoInvoice[];
  /** The raw POSTs, in order. */
  readonly submissions: readonly RawSubmission[];
}

/** A running demo site. */
export interface DemoSite {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** What was submitted so far; `keyPrefix` (e.g. `<runId>:`) keeps only the matching submission keys. */
  submissions(keyPrefix?: string): SubmissionReport;
  /** Forgets every submission and session. */
  reset(): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** The demo site's state: sessions, raw POSTs and deduplicated invoices. */
class DemoSiteState {
  readonly sessions = new Map<string, string>();
  readonly submissions: RawSubmission[] = [];
  readonly invoicesByKey = new Map<string, DemoInvoice>();
  readonly invoicesById = new Map<number, DemoInvoice>();

  report(keyPrefix = ''): SubmissionReport {
    const submissions = this.submissions.filter((submission) => (submission.fields['submission_key'] ?? '').startsWith(keyPrefix));
    const byKey: Record<string, number> = {};
    for (const submission of submissions) {
      const key = submission.fields['submission_key'] ?? '';
      byKey[key] = (byKey[key] ?? 0) + 1;
    }
    const invoices = [...this.invoicesById.values()].filter((invoice) => invoice.submissionKey.startsWith(keyPrefix));
    return { raw: submissions.length, unique: invoices.length, byKey, invoices, submissions };
  }

  reset(): void {
    this.sessions.clear();
    this.submissions.length = 0;
    this.invoicesByKey.clear();
    this.invoicesById.clear();
  }
}

class BadRequestError extends Error {}

async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError('request body too large');
    chunks.push(chunk);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function send(response: ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

function redirect(response: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  // 303: the browser follows a POST with a GET, so the page it lands on can be reopened by URL.
  response.writeHead(303, { location, ...headers });
  response.end();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Checks an invoice form; returns the problems a person would be shown. */
function invoiceProblems(fields: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  if (!fields['submission_key']) problems.push('The submission key is missing.');
  if (!fields['customer']?.trim()) problems.push('Customer is required.');
  if (!fields['invoice_number']?.trim()) problems.push('Invoice number is required.');
  if (!/^\d+(\.\d{1,2})?$/.test(fields['amount']?.trim() ?? '')) problems.push('Amount must be a number like 120.50.');
  if (!['EUR', 'USD', 'GBP'].includes(fields['currency'] ?? '')) problems.push('Currency must be EUR, USD or GBP.');
  return problems;
}

/**
 * Starts the demo invoicing site: a login page, an invoice form that POSTs, a confirmation page,
 * a stand-in for example.com (`/example/`), and `GET /api/submissions` (JSON `SubmissionReport`,
 * `?prefix=<runId>:` to filter) so tests in other processes can count what arrived.
 */
export async function startDemoSite(options: DemoSiteOptions = {}): Promise<DemoSite> {
  const username = options.username ?? DEMO_USERNAME;
  const password = options.password ?? DEMO_PASSWORD;
  const saveDelayMs = options.saveDelayMs ?? 0;
  const state = new DemoSiteState();

  const signedInUser = (request: IncomingMessage): string | undefined => {
    const token = cookieOf(request, SESSION_COOKIE);
    return token === undefined ? undefined : state.sessions.get(token);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://demo.invalid');
    const route = `${request.method ?? 'GET'} ${url.pathname}`;
    switch (route) {
      case 'GET /':
        return redirect(response, '/login');
      case 'GET /health':
        return send(response, 200, '{"ok":true}', 'application/json');
      case 'GET /example':
      case 'GET /example/':
        return send(response, 200, examplePage());
      case 'GET /login':
        return send(response, 200, loginPage(url.searchParams.has('error')));
      case 'POST /login': {
        const form = await readForm(request);
        if (form['username'] !== username || form['password'] !== password) return redirect(response, '/login?error=1');
        const token = randomUUID();
        state.sessions.set(token, username);
        return redirect(response, '/invoices/new', { 'set-cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax` });
      }
      case 'GET /invoices/new': {
        const user = signedInUser(request);
        return user ? send(response, 200, invoiceFormPage(user)) : redirect(response, '/login');
      }
      case 'POST /invoices': {
        const user = signedInUser(request);
        const fields = await readForm(request);
        if (!user) return send(response, 401, loginPage(false));
        const submission: RawSubmission = { at: Date.now(), fields };
        state.submissions.push(submission);
        options.onSubmission?.(submission);
        const problems = invoiceProblems(fields);
        if (problems.length > 0) return send(response, 400, invoiceFormPage(user, problems));
        const key = fields['submission_key'] ?? '';
        let invoice = state.invoicesByKey.get(key);
        if (!invoice) {
          invoice = {
            id: state.invoicesById.size + 1,
            submissionKey: key,
            customer: fields['customer']?.trim() ?? '',
            invoiceNumber: fields['invoice_number']?.trim() ?? '',
            amount: Number(fields['amount']),
            currency: fields['currency'] ?? '',
            paid: fields['paid'] === 'yes',
          };
          state.invoicesByKey.set(key, invoice);
          state.invoicesById.set(invoice.id, invoice);
        }
        if (saveDelayMs > 0) await sleep(saveDelayMs);
        return redirect(response, `/invoices/confirmation?id=${invoice.id}`);
      }
      case 'GET /invoices/confirmation': {
        if (!signedInUser(request)) return redirect(response, '/login');
        const invoice = state.invoicesById.get(Number(url.searchParams.get('id')));
        return invoice ? send(response, 200, confirmationPage(invoice)) : send(response, 404, notFoundPage(url.pathname));
      }
      case 'GET /api/submissions':
        return send(response, 200, JSON.stringify(state.report(url.searchParams.get('prefix') ?? '')), 'application/json');
      case 'POST /api/reset':
        state.reset();
        return send(response, 200, '{"ok":true}', 'application/json');
      default:
        return send(response, 404, notFoundPage(url.pathname));
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof BadRequestError ? 400 : 500;
      if (!response.headersSent) send(response, status, `${status === 400 ? 'Bad request' : 'Server error'}: ${String(error)}`, 'text/plain');
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEMO_SITE_PORT, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    submissions: (keyPrefix) => state.report(keyPrefix),
    reset: () => state.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Reads a demo site's submission report over HTTP (for tests whose site runs in another process). */
export async function fetchSubmissions(baseUrl: string, keyPrefix = ''): Promise<SubmissionReport> {
  const response = await fetch(`${baseUrl}/api/submissions?prefix=${encodeURIComponent(keyPrefix)}`);
  if (!response.ok) throw new Error(`demo site answered ${response.status} to GET /api/submissions`);
  return (await response.json()) as SubmissionReport;
}
