import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workflowDoc, type BuiltWorkflowDocument } from '@casare-rpa/domain/testing';

// The ledger of the fleet tests: a local HTTP server that records every POST with its idempotency
// key, and the workflow that posts items 1..N of its run to it, waiting a little between posts.

/** One POST the ledger received. */
export interface Posted {
  readonly item: string;
  readonly key: string;
}

/** A ledger server on loopback. */
export class Ledger {
  private constructor(
    private readonly server: Server,
    /** URL the workflow posts to. */
    readonly url: string,
    /** Every POST, in arrival order. */
    readonly posted: Posted[],
    private readonly gate: Gate,
  ) {}

  /** Starts a ledger on a free loopback port. */
  static async start(): Promise<Ledger> {
    const posted: Posted[] = [];
    const gate: Gate = { held: undefined };
    const server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        posted.push({ item: body, key: String(request.headers['idempotency-key'] ?? '') });
        const answer = (): void => void response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        if (gate.held) gate.held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new Ledger(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/ledger`, posted, gate);
  }

  /** Records POSTs as they arrive but answers none until `release`: a run posting now cannot finish. */
  hold(): void {
    this.gate.held ??= [];
  }

  /** Answers the POSTs held since `hold`, and every POST after. */
  release(): void {
    const held = this.gate.held ?? [];
    this.gate.held = undefined;
    for (const answer of held) answer();
  }

  /** Keys each item was posted with. */
  keysByItem(): Map<string, Set<string>> {
    const keysOf = new Map<string, Set<string>>();
    for (const post of this.posted) {
      const keys = keysOf.get(post.item) ?? new Set<string>();
      keys.add(post.key);
      keysOf.set(post.item, keys);
    }
    return keysOf;
  }

  async close(): Promise<void> {
    this.release();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** POSTs held unanswered, while the ledger holds. */
interface Gate {
  held: Array<() => void> | undefined;
}

/** A workflow that POSTs `<runId>#1` .. `<runId>#items` to `url`, waiting `waitSeconds` between posts. */
export function ledgerFlow(url: string, items: number, waitSeconds = 0.4): BuiltWorkflowDocument {
  let builder = workflowDoc().name('ledger-posts').start();
  const chain = ['start'];
  for (let item = 1; item <= items; item++) {
    builder = builder.node(`post_${item}`, 'HTTPSuperNode', { action: 'POST', url, body: `{{$run.id}}#${item}`, timeout: 10 });
    chain.push(`post_${item}`);
    if (item < items) {
      builder = builder.node(`wait_${item}`, 'WaitNode', { seconds: waitSeconds });
      chain.push(`wait_${item}`);
    }
  }
  return builder
    .end()
    .chain(...chain, 'end')
    .build();
}
