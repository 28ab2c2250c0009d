import type { Json } from '@casare-rpa/domain';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a stand-in received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What a stand-in answers: a status and a JSON body. */
export interface StandInAnswer {
  readonly status: number;
  readonly body: Json;
}

/**
 * A local HTTP server on 127.0.0.1 standing in for a JSON API (an OpenAI-compatible endpoint, the
 * Telegram Bot API...): every request is recorded and answered by `answer`. Tests point a node's
 * base URL at `base`.
 */
export class JsonStandIn {
  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>`. */
    readonly base: string,
    /** Requests received, in order. */
    readonly received: ReceivedRequest[],
  ) {}

  /** Starts a stand-in that answers with `answer`. */
  static async start(answer: (request: ReceivedRequest) => StandInAnswer): Promise<JsonStandIn> {
    const received: ReceivedRequest[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
        received.push(entry);
        const { status, body } = answer(entry);
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new JsonStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received);
  }

  /** The JSON body of the `index`th request. */
  bodyOf(index: number): Json {
    return JSON.parse(this.received[index]?.body ?? 'null') as Json;
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
