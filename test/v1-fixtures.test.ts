import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExecuteWorkflowUseCase, recordedNodesOf, settleRun, stepRecordOf, type RunResult, type SecretProvider } from '@casare-rpa/application';
import { loadWorkflow, WorkflowValidationError, type Json, type JsonObject } from '@casare-rpa/domain';
import { InMemoryDurableRunner, InMemoryJournal } from '@casare-rpa/infra-memory';
import { browserNodeHandlers, createNodeCatalog, PlaywrightBrowserSessions } from '@casare-rpa/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The v1 sample workflows of the node catalog's core (no browser) run to completion on the
// in-memory durable runner with the real catalog; batch 4.1's httpbin.org URLs point at a local
// stand-in, batch 2.1 writes into a temporary working directory. The browser samples (3.x) run in
// packages/cli/test/browser-fixtures.browser.test.ts.

const here = dirname(fileURLToPath(import.meta.url));
const repoFixtures = join(here, '..', 'packages', 'nodes', 'test', 'fixtures', 'casare-v1');
// The shared folder lies beside the repository (CI lays it there); absent in a fresh clone.
const sharedFixtures = join(here, '..', '..', 'shared', 'fixtures', 'casare-v1');
const copies = [
  { label: 'repository copy', directory: repoFixtures },
  ...(existsSync(sharedFixtures) ? [{ label: 'shared copy', directory: sharedFixtures }] : []),
];

const noSecrets: SecretProvider = { loadSecret: () => Promise.resolve(undefined) };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A stand-in for the two httpbin.org endpoints batch 4.1 calls, answering in httpbin's shape. */
async function startHttpbinStandIn(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '/';
      received.push({ method: request.method ?? '', path, headers: request.headers, body });
      const echo: Record<string, Json> = { args: {}, headers: { Host: request.headers.host ?? '' }, url: `https://httpbin.org${path}` };
      if (request.method === 'POST') {
        let json: Json = null;
        try {
          json = JSON.parse(body) as Json;
        } catch {
          json = null;
        }
        Object.assign(echo, { data: body, json });
      }
      const known = (path === '/get' && request.method === 'GET') || (path === '/post' && request.method === 'POST');
      response.writeHead(known ? 200 : 405, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Context {
  readonly workDir: string;
  readonly httpbin: { readonly received: Received[] };
}

interface Expectation {
  readonly file: string;
  /** Rewrites the document before the run (public URLs to local stand-ins). */
  readonly prepare?: (text: string) => string;
  readonly check: (result: RunResult, context: Context) => Promise<void> | void;
}

function outputs(result: RunResult, nodeId: string): JsonObject {
  return result.outputs[nodeId] ?? {};
}

let httpbinUrl = '';

const EXPECTED: readonly Expectation[] = [
  {
    file: 'batch_1_1_variables.json',
    check: (result) => {
      expect(result.logs).toEqual(['All variable & dict tests passed!']);
      expect(result.variables).toEqual({ my_string: 'Hello World', my_int: 52, my_list: [1, 2, 3], my_dict: { a: 1, b: 2 } });
      expect(outputs(result, 'get_string')['value']).toBe('Hello World');
      expect(outputs(result, 'dict_get')['value']).toBe('Alice');
      expect(outputs(result, 'dict_has_key')['has_key']).toBe(true);
      expect(outputs(result, 'dict_keys')['keys']).toEqual(['name', 'age', 'city', 'country']);
      expect(outputs(result, 'dict_remove')['dict']).toEqual({ name: 'Alice', age: 30, city: 'NYC', country: 'USA', y: 200 });
      expect(outputs(result, 'dict_to_json')['json']).toBe('{"name":"Alice","age":30,"city":"NYC","country":"USA","y":200}');
      expect(outputs(result, 'create_list')['list']).toEqual(['apple', 'banana', 'cherry', 'date', 'elderberry']);
      expect(outputs(result, 'json_parse')['data']).toEqual({ parsed: true, count: 5 });
    },
  },
  {
    file: 'batch_1_2_lists.json',
    check: (result) => {
      expect(result.logs).toEqual(['All list tests passed! Joined: apple, banana, cherry']);
      expect(result.variables).toEqual({
        base_list: [5, 3, 8, 1, 9, 3],
        nested: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        str_list: ['apple', 'banana', 'cherry'],
      });
      expect(outputs(result, 'list_append')['result']).toEqual([5, 3, 8, 1, 9, 3, 10]);
      expect(outputs(result, 'list_get_item')['item']).toBe(5);
      expect(outputs(result, 'list_contains')['result']).toBe(true);
      expect(outputs(result, 'list_length')['length']).toBe(7);
      expect(outputs(result, 'list_reverse')['result']).toEqual([10, 9, 8, 5, 3, 3, 1]);
      expect(outputs(result, 'list_slice')['result']).toEqual([3, 8, 1]);
      expect(outputs(result, 'list_flatten')['result']).toEqual([1, 2, 3, 4, 5, 6]);
      expect([...(outputs(result, 'shuffle_list')['result'] as string[])].sort()).toEqual(['apple', 'banana', 'cherry']);
    },
  },
  {
    file: 'batch_1_3_strings.json',
    check: (result) => {
      expect(result.logs).toEqual(['All string tests passed! Reversed: olleH']);
      expect(result.variables).toEqual({ text: '  Hello World!  ', multiline: 'line1\nline2\nline3' });
      const results = Object.fromEntries(Object.entries(result.outputs).map(([id, out]) => [id, out['result']]));
      expect(results).toMatchObject({
        text_trim: 'Hello World!',
        text_case_upper: 'HELLO WORLD!',
        text_case_lower: 'hello world!',
        text_replace: 'Hello CasareRPA!',
        text_contains: true,
        text_starts_with: true,
        text_ends_with: true,
        text_substring: 'Hello',
        text_count: 2,
        text_join: 'apple | banana | cherry',
        text_pad: '00042',
        concatenate: 'Hello World',
        format_string: 'Name: Alice, Age: 30',
        regex_extract: 'test@example.com',
        regex_match: '$100.50',
      });
      expect(outputs(result, 'text_lines')['lines']).toEqual(['line1', 'line2', 'line3']);
    },
  },
  {
    file: 'batch_1_4_math.json',
    check: (result) => {
      const uuid = outputs(result, 'random_uuid')['uuid'] as string;
      expect(uuid).toMatch(UUID);
      expect(result.logs).toEqual([`Math tests passed! UUID: ${uuid}`]);
      expect(result.variables).toEqual({});
      const results = Object.fromEntries(Object.entries(result.outputs).map(([id, out]) => [id, out['result']]));
      expect(results).toMatchObject({
        math_add: 15,
        math_subtract: 12,
        math_multiply: 24,
        math_divide: 6,
        math_modulo: 2,
        math_power: 256,
        math_length: 11,
        compare_equal: true,
        compare_not_equal: true,
        compare_greater: true,
        compare_less: true,
        compare_gte: true,
        compare_lte: true,
      });
      expect(results['random_number']).toBeGreaterThanOrEqual(1);
      expect(results['random_number']).toBeLessThanOrEqual(100);
      expect(['apple', 'banana', 'cherry', 'date']).toContain(results['random_choice']);
      expect(results['random_string']).toMatch(/^[A-Za-z0-9]{16}$/);
    },
  },
  {
    file: 'batch_1_5_control_flow.json',
    check: (result) => {
      expect(result.logs).toEqual([
        'Value is greater than 50',
        'Item: A',
        'Item: B',
        'Item: C',
        'Counter: 1',
        'Counter: 2',
        'Counter: 3',
        'Selected: Option B',
        'All control flow tests passed!',
      ]);
      expect(result.variables).toEqual({ test_value: 75, items: ['A', 'B', 'C'], counter: 3, switch_val: 'option_b' });
      expect(result.outputs['log_false']).toBeUndefined();
      expect(result.outputs['log_option_a']).toBeUndefined();
    },
  },
  {
    file: 'batch_2_1_files.json',
    check: async (result, { workDir }) => {
      expect(result.logs).toEqual(['All FileSystemSuperNode tests passed!']);
      expect(result.variables).toEqual({});
      const dir = join(workDir, 'test_output', 'node_tests_v2');
      expect(await readdir(dir)).toEqual(['test.txt']);
      expect(await readFile(join(dir, 'test.txt'), 'utf8')).toBe('Hello World!\nAppended!');
      expect(outputs(result, 'fs_read')['content']).toBe('Hello World!');
      expect(outputs(result, 'fs_exists')['exists']).toBe(true);
      expect(outputs(result, 'fs_list')['items']).toEqual(['test.txt', 'test_copy.txt']);
    },
  },
  {
    file: 'batch_2_3_system.json',
    check: (result) => {
      expect(result.logs).toEqual([expect.stringMatching(/^All System, DateTime & Command tests passed! Days diff: \d+/)]);
      expect(outputs(result, 'system_info')['os_name']).toMatch(/^Linux /);
      expect(outputs(result, 'run_command')).toMatchObject({ stdout: 'Hello from RunCommandNode\n', return_code: 0, success: true });
    },
  },
  {
    file: 'batch_4_1_http.json',
    prepare: (text) => text.replaceAll('https://httpbin.org', httpbinUrl),
    check: (result, { httpbin }) => {
      expect(result.logs).toEqual(['HTTP API tests passed! GET status: 200, POST status: 200']);
      expect(JSON.parse(result.variables['response_body'] as string)).toMatchObject({ url: 'https://httpbin.org/get' });
      expect(outputs(result, 'parse_json')['data']).toMatchObject({ json: { test: 'data' } });
      expect(httpbin.received.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /get', 'POST /post']);
      expect(httpbin.received[0]?.headers['idempotency-key']).toBeUndefined();
      // http_post is the run's third step (index 2).
      // The POST ends the second durable step (the Start node and the GET share the first).
      expect(httpbin.received[1]?.headers['idempotency-key']).toBe(`${result.runId}:1`);
    },
  },
  {
    file: 'batch_5_1_utility.json',
    check: (result) => {
      const random = outputs(result, 'random_number')['result'] as number;
      const uuid = outputs(result, 'random_uuid')['uuid'] as string;
      expect(random).toBeGreaterThanOrEqual(1);
      expect(random).toBeLessThanOrEqual(100);
      expect(uuid).toMatch(UUID);
      expect(result.logs).toEqual([`Utility tests passed! Random: ${random}, UUID: ${uuid}`]);
      expect(result.variables).toEqual({});
    },
  },
  {
    file: 'batch_7_1_dict.json',
    check: (result) => {
      expect(result.logs).toEqual(['Dict nodes tested!']);
      expect(result.variables).toEqual({});
      expect(outputs(result, 'dict_set')['dict']).toEqual({ name: 'test' });
      expect(outputs(result, 'dict_get')['found']).toBe(false);
    },
  },
];

/** Every node type, with its node ids, that each unsupported sample uses and the catalog does not know. */
const UNSUPPORTED: Readonly<Record<string, ReadonlyArray<[string, string]>>> = {};

/**
 * Samples whose config the catalog refuses, with the JSON path it names: batch 8.6 asks the
 * StructuredDataSuperNode for an action `parse`, which the original class does not offer either
 * (its actions are the seven file actions).
 */
const CONFIG_REFUSED: Readonly<Record<string, readonly string[]>> = {
  'batch_8_6_more_list.json': ['nodes.structured_data.config.action'],
};

async function readDocument(directory: string, file: string, prepare?: (text: string) => string): Promise<Json> {
  const text = await readFile(join(directory, file), 'utf8');
  return JSON.parse(prepare ? prepare(text) : text) as Json;
}

describe('v1 sample workflows on the in-memory runner', () => {
  const catalog = createNodeCatalog();
  const useCase = new ExecuteWorkflowUseCase(catalog, { emit: () => undefined }, noSecrets);
  let runner: InMemoryDurableRunner;
  let httpbin: Awaited<ReturnType<typeof startHttpbinStandIn>>;
  let workRoot: string;

  beforeAll(async () => {
    httpbin = await startHttpbinStandIn();
    httpbinUrl = httpbin.url;
    workRoot = await mkdtemp(join(tmpdir(), 'casare-v1-fixtures-'));
    runner = new InMemoryDurableRunner();
    useCase.registerWith(runner);
    await runner.launch();
  });

  afterAll(async () => {
    await runner?.shutdown();
    await httpbin?.close();
    if (workRoot) await rm(workRoot, { recursive: true, force: true });
  });

  for (const copy of copies) {
    for (const expected of EXPECTED) {
      it(`${expected.file} (${copy.label}) runs to completion`, async () => {
        httpbin.received.length = 0;
        const workDir = await mkdtemp(join(workRoot, 'run-'));
        const document = await readDocument(copy.directory, expected.file, expected.prepare);
        const result = await settleRun(await useCase.start(runner, { document, workingDirectory: workDir, source: expected.file }));
        expect(result.error).toBeNull();
        expect(result.status).toBe('completed');
        await expected.check(result, { workDir, httpbin });
      });
    }
  }

  it('a recovered run replays recorded random values instead of drawing new ones', async () => {
    const journal = new InMemoryJournal();
    let drawn: JsonObject | undefined;
    const first = new InMemoryDurableRunner({
      journal,
      onStepPoint: (point, self) => {
        // Crash as the first step after the one that recorded the UUID begins.
        if (point.phase !== 'before-body') return;
        const recorded = (journal.get(point.runId)?.steps ?? []).flatMap((step) => recordedNodesOf(stepRecordOf(step)));
        const uuid = recorded.find((node) => node.nodeId === 'random_uuid');
        if (uuid) {
          drawn = uuid.outcome as unknown as JsonObject;
          self.crash();
        }
      },
    });
    useCase.registerWith(first);
    await first.launch();
    const document = await readDocument(repoFixtures, 'batch_5_1_utility.json');
    const { runId } = await useCase.start(first, { document, source: 'batch_5_1_utility.json' });
    await first.stopped;
    expect(drawn).toBeDefined();

    const second = new InMemoryDurableRunner({ journal });
    useCase.registerWith(second);
    await second.launch();
    const result = await settleRun(second.handle(runId));
    await second.shutdown();
    const uuid = (drawn?.['outputs'] as JsonObject)['uuid'] as string;
    expect(outputs(result, 'random_uuid')['uuid']).toBe(uuid);
    expect(result.logs[0]).toContain(`UUID: ${uuid}`);
  });
});

describe('v1 sample workflows and the catalog', () => {
  // With the browser handlers too, as the CLI wires them; constructing sessions launches nothing.
  const catalog = createNodeCatalog(browserNodeHandlers({ sessions: new PlaywrightBrowserSessions() }));

  for (const copy of copies) {
    it(`every sample loads (${copy.label})`, async () => {
      const files = (await readdir(copy.directory)).filter((name) => name.endsWith('.json'));
      expect(files.length).toBeGreaterThanOrEqual(15);
      for (const file of files) {
        const document = await readDocument(copy.directory, file);
        expect(() => loadWorkflow(document, { source: file }), file).not.toThrow();
      }
    });

    it(`every sample passes validation against the catalog except those with unsupported types (${copy.label})`, async () => {
      const files = (await readdir(copy.directory)).filter((name) => name.endsWith('.json'));
      for (const file of files) {
        const document = await readDocument(copy.directory, file);
        const load = () => loadWorkflow(document, { knownTypes: catalog.knownTypes(), source: file });
        const unsupported = UNSUPPORTED[file];
        if (!unsupported) {
          const workflow = load();
          const issues = catalog.validate(workflow.nodes.values(), (id) => workflow.dataInputs(id).map((c) => c.targetPort));
          expect(
            issues.map((issue) => issue.path),
            file,
          ).toEqual(CONFIG_REFUSED[file] ?? []);
          continue;
        }
        let error: unknown;
        try {
          load();
        } catch (caught) {
          error = caught;
        }
        expect(error, file).toBeInstanceOf(WorkflowValidationError);
        const issues = (error as WorkflowValidationError).issues.filter((issue) => issue.code === 'UNKNOWN_NODE_TYPE');
        expect(
          issues.map((issue) => issue.nodeId),
          file,
        ).toEqual(unsupported.map(([id]) => id));
        for (const [id, type] of unsupported) {
          const issue = issues.find((candidate) => candidate.nodeId === id);
          expect(`${issue?.path}: ${issue?.message}`, file).toContain(type);
          expect(issue?.path, file).toContain(id);
        }
      }
    });
  }

  it('keeps the repository copies byte-identical to the shared fixtures', async () => {
    if (!existsSync(sharedFixtures)) return;
    for (const file of await readdir(repoFixtures)) {
      expect(await readFile(join(repoFixtures, file)), file).toEqual(await readFile(join(sharedFixtures, file)));
    }
  });
});
