// The console's browser script, bundled with dagre by build-assets.mjs into dist/console/assets.
// It only reads the JSON API and draws with DOM calls (textContent, never innerHTML of data).
import * as dagreModule from '@dagrejs/dagre';
import type { ConsoleRun } from '../run-source.js';
import type { GraphNodeView, RunView } from '../run-view.js';

/** The part of dagre's graph this page uses (dagre's own .d.ts files do not resolve under NodeNext). */
interface LayoutGraph {
  setGraph(label: { rankdir: string; nodesep: number; ranksep: number; marginx: number; marginy: number }): void;
  graph(): { width?: number; height?: number };
  setDefaultEdgeLabel(label: () => object): void;
  setNode(id: string, label: { width: number; height: number }): void;
  setEdge(from: string, to: string, label: object, name: string): void;
  hasNode(id: string): boolean;
  nodes(): string[];
  node(id: string): { x: number; y: number };
  edges(): { v: string; w: string; name?: string }[];
  edge(edge: { v: string; w: string; name?: string }): unknown;
}
const dagre = dagreModule as unknown as { Graph: new (options: { multigraph: boolean }) => LayoutGraph; layout(graph: LayoutGraph): void };

const POLL_MS = 1000;
const SVG = 'http://www.w3.org/2000/svg';
const actionKey = document.querySelector<HTMLMetaElement>('meta[name="casare-action-key"]')?.content ?? '';
const app = document.getElementById('app') as HTMLElement;
const live = document.getElementById('live') as HTMLElement;

type Child = Node | string | null | undefined | false;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

function svg(tag: string, attrs: Record<string, string | number> = {}): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function time(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toLocaleString();
}

function statusBadge(status: string): HTMLElement {
  return el('span', { class: `badge status-${status}`, 'data-status': status }, status);
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

async function post(url: string, body: unknown): Promise<{ runId: string; message: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-casare-token': actionKey },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { runId: string; message: string; error?: string };
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

function setLive(text: string, ok: boolean): void {
  live.textContent = text;
  live.className = ok ? 'live ok' : 'live stale';
}

/** Re-runs `draw` every second; a failed poll says so and keeps the last picture. */
function poll(draw: () => Promise<boolean>): void {
  const tick = async (): Promise<void> => {
    let again = true;
    try {
      again = await draw();
      setLive(again ? `live · ${new Date().toLocaleTimeString()}` : `updated ${new Date().toLocaleTimeString()}`, true);
    } catch (error) {
      setLive(`not updated: ${(error as Error).message}`, false);
    }
    if (again) setTimeout(() => void tick(), POLL_MS);
  };
  void tick();
}

// ---- the runs page ----------------------------------------------------------------------------

function runsPage(): void {
  const params = new URLSearchParams(location.search);
  const status = el('select', { name: 'status', id: 'filter-status' }, el('option', { value: '' }, 'any status'));
  for (const name of ['pending', 'enqueued', 'succeeded', 'failed', 'cancelled']) status.append(el('option', { value: name }, name));
  status.value = params.get('status') ?? '';
  const workflow = el('input', { name: 'workflow', id: 'filter-workflow', placeholder: 'workflow name or file', value: params.get('workflow') ?? '' });
  const queue = el('input', { name: 'queue', id: 'filter-queue', placeholder: 'queue', value: params.get('queue') ?? '' });
  const form = el('form', { class: 'filters', method: 'get', action: '/' }, status, workflow, queue, el('button', { type: 'submit' }, 'Filter'));
  status.addEventListener('change', () => form.requestSubmit());
  const body = el('tbody');
  const table = el(
    'table',
    { class: 'runs', id: 'runs' },
    el('thead', {}, el('tr', {}, ...['run', 'status', 'workflow', 'file', 'queue', 'created', 'took', 'error'].map((name) => el('th', {}, name)))),
    body,
  );
  app.replaceChildren(el('h1', {}, 'Runs'), form, table);
  const query = new URLSearchParams();
  for (const [name, value] of params) if (value !== '' && name !== 'token') query.set(name, value);
  poll(async () => {
    const runs = await getJson<ConsoleRun[]>(`/api/runs?${query.toString()}`);
    body.replaceChildren(
      ...(runs.length === 0
        ? [el('tr', {}, el('td', { colspan: '8', class: 'muted' }, 'No runs match.'))]
        : runs.map((run) => {
            const finished = run.status !== 'pending' && run.status !== 'enqueued';
            return el(
              'tr',
              { 'data-run-id': run.runId },
              el('td', {}, el('a', { href: `/runs/${encodeURIComponent(run.runId)}` }, run.runId)),
              el('td', {}, statusBadge(run.status)),
              el('td', {}, run.workflowTitle ?? run.workflowName),
              el('td', { class: 'muted' }, run.sourceFile ?? '-'),
              el('td', { class: 'muted' }, run.queue ?? '-'),
              el('td', {}, time(run.createdAt)),
              el('td', {}, finished ? duration(run.updatedAt - run.createdAt) : '-'),
              el('td', { class: 'error-text' }, run.error ?? ''),
            );
          })),
    );
    return true;
  });
}

// ---- the run page -----------------------------------------------------------------------------

const NODE_WIDTH = 170;
const NODE_HEIGHT = 54;

function drawGraph(view: RunView): Node {
  if (view.graph === null) return el('p', { class: 'muted' }, `No graph: ${view.graphError ?? 'no document'}`);
  const graph = new dagre.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 48, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of view.graph.nodes) graph.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  view.graph.edges.forEach((edge, index) => {
    if (graph.hasNode(edge.from) && graph.hasNode(edge.to)) graph.setEdge(edge.from, edge.to, { exec: edge.exec, port: edge.port }, `e${index}`);
  });
  dagre.layout(graph);
  const size = graph.graph();
  const width = Math.max(size.width ?? 0, 200);
  const height = Math.max(size.height ?? 0, 80);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'graph', id: 'graph' });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }));
  defs.append(marker);
  root.append(defs);
  for (const edge of graph.edges()) {
    const label = graph.edge(edge) as { points?: { x: number; y: number }[]; exec?: boolean; port?: string };
    const points = label.points ?? [];
    if (points.length === 0) continue;
    const d = points.map((point, index) => `${index === 0 ? 'M' : 'L'} ${point.x} ${point.y}`).join(' ');
    const path = svg('path', { d, class: label.exec ? 'edge exec' : 'edge data', 'marker-end': 'url(#arrow)' });
    root.append(path);
    if (label.port !== undefined && label.port !== 'exec_out' && label.exec) {
      const middle = points[Math.floor(points.length / 2)] ?? points[0];
      if (middle) {
        const text = svg('text', { x: middle.x, y: middle.y - 4, class: 'edge-label', 'text-anchor': 'middle' });
        text.textContent = label.port;
        root.append(text);
      }
    }
  }
  const byId = new Map(view.graph.nodes.map((node) => [node.id, node]));
  for (const id of graph.nodes()) {
    const position = graph.node(id);
    const node = byId.get(id) as GraphNodeView;
    const group = svg('g', {
      class: `node status-${node.status}${node.replayed > 0 ? ' replayed' : ''}`,
      'data-node-id': id,
      'data-status': node.status,
      'data-executions': node.executions,
      'data-replayed': node.replayed,
      transform: `translate(${position.x - NODE_WIDTH / 2}, ${position.y - NODE_HEIGHT / 2})`,
    });
    group.append(svg('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 8 }));
    const title = svg('text', { x: 10, y: 21, class: 'node-id' });
    title.textContent = id.length > 20 ? `${id.slice(0, 19)}…` : id;
    const type = svg('text', { x: 10, y: 39, class: 'node-type' });
    type.textContent = node.type;
    group.append(title, type);
    const marks: string[] = [];
    if (node.executions > 1) marks.push(`×${node.executions}`);
    if (node.iterations !== undefined) marks.push(`${node.iterations} it.`);
    if (node.replayed > 0) marks.push('↺');
    if (marks.length > 0) {
      const badge = svg('text', { x: NODE_WIDTH - 8, y: 21, class: 'node-marks', 'text-anchor': 'end' });
      badge.textContent = marks.join(' ');
      group.append(badge);
    }
    const tip = svg('title');
    tip.textContent = `${id} (${node.type}): ${node.status}, ${node.executions} execution(s)${node.replayed > 0 ? `, ${node.replayed} replayed from checkpoint` : ''}`;
    group.append(tip);
    root.append(group);
  }
  const legend = el(
    'p',
    { class: 'legend' },
    ...['completed', 'failed', 'not-run'].map((status) => el('span', { class: `swatch status-${status}` }, status)),
    el('span', { class: 'swatch replayed' }, '↺ replayed from checkpoint'),
    el('span', { class: 'muted' }, '×N executions'),
  );
  return el('div', { class: 'graph-wrap' }, root, legend);
}

function timeline(view: RunView): Node {
  const steps = view.steps;
  if (steps.length === 0) return el('p', { class: 'muted' }, 'No steps recorded yet.');
  const starts = steps.map((step) => step.startedAt ?? step.completedAt ?? view.run.createdAt);
  const ends = steps.map((step, index) => step.completedAt ?? starts[index] ?? 0);
  const origin = Math.min(...starts);
  const span = Math.max(1, Math.max(...ends) - origin);
  const rows = steps.map((step, index) => {
    const start = starts[index] ?? origin;
    const left = ((start - origin) / span) * 100;
    const width = Math.max(0.6, (((ends[index] ?? start) - start) / span) * 100);
    const sleeping = view.sleepingUntil !== undefined && index === steps.length - 1;
    // CSSOM, not a style attribute: the page's CSP allows no inline styles.
    const bar = el('div', { class: `bar ${sleeping ? 'sleeping' : step.status}${step.replayed ? ' replayed' : ''}` });
    bar.style.marginLeft = `${left.toFixed(2)}%`;
    bar.style.width = `${width.toFixed(2)}%`;
    const label =
      step.kind === 'sleep'
        ? '(durable sleep)'
        : step.kind === 'now'
          ? '(clock read)'
          : step.kind === 'wait'
            ? `(wait for signal ${step.nodeId})`
            : step.nodes.length > 1
              ? `${step.nodeId} … ${step.nodes.at(-1)?.nodeId ?? ''}`
              : step.nodeId;
    return el(
      'tr',
      { 'data-step': String(step.index), class: step.replayed ? 'replayed' : '' },
      el('td', {}, String(step.index)),
      el(
        'td',
        { title: step.nodes.map((node) => node.nodeId).join(', ') },
        label,
        step.nodes.length > 1 ? el('span', { class: 'muted' }, ` (${step.nodes.length} nodes)`) : null,
      ),
      el('td', {}, sleeping ? statusBadge('sleeping') : statusBadge(step.status), step.replayed ? el('span', { class: 'replay-mark' }, ' ↺ replayed') : null),
      el('td', { class: 'num' }, duration(step.durationMs)),
      el('td', { class: 'bar-cell' }, bar),
      el('td', { class: 'error-text' }, step.error ?? ''),
    );
  });
  return el(
    'table',
    { class: 'timeline', id: 'timeline' },
    el('thead', {}, el('tr', {}, ...['step', 'nodes', 'status', 'duration', 'timeline', 'error'].map((name) => el('th', {}, name)))),
    el('tbody', {}, ...rows),
  );
}

function actions(view: RunView, runId: string, message: HTMLElement): Node {
  const run = async (label: string, request: () => Promise<{ runId: string; message: string }>, goTo?: boolean): Promise<void> => {
    if (!confirm(label)) return;
    message.className = 'message';
    message.textContent = '…';
    try {
      const answer = await request();
      message.textContent = answer.message;
      if (goTo) location.href = `/runs/${encodeURIComponent(answer.runId)}`;
    } catch (error) {
      message.className = 'message error-text';
      message.textContent = (error as Error).message;
    }
  };
  const base = `/api/runs/${encodeURIComponent(runId)}`;
  const cancel = el('button', { id: 'cancel', class: 'danger' }, 'Cancel');
  cancel.disabled = !view.actions.cancel;
  cancel.addEventListener('click', () => void run(`Cancel run ${runId}? It stops before its next step.`, () => post(`${base}/cancel`, {})));
  const resume = el('button', { id: 'resume' }, 'Resume');
  resume.disabled = !view.actions.resume;
  resume.addEventListener('click', () => void run(`Resume run ${runId} after its last completed step?`, () => post(`${base}/resume`, {})));
  const step = el('select', { id: 'fork-step' });
  for (const row of view.steps) step.append(el('option', { value: String(row.index) }, `step ${row.index} · ${row.kind === 'step' ? row.nodeId : row.kind}`));
  step.append(el('option', { value: String(view.steps.length) }, `after the last step (${view.steps.length})`));
  const fork = el('button', { id: 'fork' }, 'Fork');
  fork.disabled = !view.actions.fork;
  fork.addEventListener('click', () => {
    const fromStep = Number(step.value);
    void run(`Start a new run that replays steps 0..${fromStep - 1} of ${runId} and executes the rest?`, () => post(`${base}/fork`, { fromStep }), true);
  });
  return el('div', { class: 'actions' }, cancel, resume, el('span', { class: 'fork' }, 'from ', step, fork));
}

function runPage(runId: string): void {
  const message = el('p', { class: 'message', id: 'action-message' });
  const header = el('section', { class: 'run-head' });
  const actionBar = el('div');
  const graph = el('section', { class: 'panel' });
  const steps = el('section', { class: 'panel' });
  const side = el('section', { class: 'panel side' });
  app.replaceChildren(header, actionBar, message, el('div', { class: 'grid' }, el('div', {}, graph, steps), side));
  let lastGraph = '';
  let lastSteps = -1;
  let lastStatus = '';
  poll(async () => {
    const view = await getJson<RunView>(`/api/runs/${encodeURIComponent(runId)}`);
    const run = view.run;
    const finished = run.status !== 'pending' && run.status !== 'enqueued';
    document.title = `Run ${run.runId} (${run.status}) · casare console`;
    const facts: [string, Child][] = [
      ['Workflow', `${run.workflowTitle ?? run.workflowName}${run.sourceFile ? ` · ${run.sourceFile}` : ''}`],
      ['Created', time(run.createdAt)],
      [finished ? 'Ended' : 'Updated', `${time(run.updatedAt)} (${duration(run.updatedAt - run.createdAt)} after creation)`],
      ['Executor', `${run.executorId ?? '-'}${run.applicationVersion ? ` (version ${run.applicationVersion})` : ''}`],
    ];
    if (view.sleepingUntil !== undefined)
      facts.push(['Sleeping', `durable sleep, wakes at ${time(view.sleepingUntil)} (in ${duration(view.sleepingUntil - Date.now())})`]);
    if (run.resumedAt !== undefined) facts.push(['Resumed', `${time(run.resumedAt)}: steps completed before this were replayed from their checkpoints`]);
    if (run.queue !== undefined) facts.push(['Queue', run.queue]);
    header.replaceChildren(
      el('h1', {}, 'Run ', el('code', { id: 'run-id' }, run.runId), ' ', el('span', { id: 'run-status' }, statusBadge(run.status))),
      el('dl', { class: 'facts' }, ...facts.flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)])),
      ...(run.error === undefined ? [] : [el('pre', { class: 'error-box', id: 'run-error' }, run.error)]),
    );
    // Redraw buttons only when something they depend on changed, so a choice in the select survives polls.
    if (run.status !== lastStatus || view.steps.length !== lastSteps) actionBar.replaceChildren(actions(view, runId, message));
    const graphKey = JSON.stringify(view.graph);
    if (graphKey !== lastGraph) graph.replaceChildren(el('h2', {}, 'Graph'), drawGraph(view));
    lastGraph = graphKey;
    lastSteps = view.steps.length;
    lastStatus = run.status;
    const replayed = view.steps.filter((step) => step.replayed).length;
    steps.replaceChildren(el('h2', {}, `Steps (${view.steps.length}${replayed > 0 ? `, ${replayed} replayed` : ''})`), timeline(view));
    side.replaceChildren(
      el('h2', {}, 'Logs'),
      view.logs.length === 0
        ? el('p', { class: 'muted' }, 'No log lines.')
        : el(
            'ol',
            { class: 'logs', id: 'logs' },
            ...view.logs.map((line) => el('li', {}, el('span', { class: 'muted' }, `#${line.step} ${line.nodeId}${line.replayed ? ' ↺' : ''} `), line.message)),
          ),
      el('h2', {}, 'Variables'),
      view.variables.length === 0
        ? el('p', { class: 'muted' }, 'None.')
        : el(
            'table',
            { class: 'vars', id: 'variables' },
            el(
              'tbody',
              {},
              ...view.variables.map((variable) =>
                el('tr', {}, el('th', {}, variable.name), el('td', { class: variable.sensitive ? 'muted' : '' }, JSON.stringify(variable.value))),
              ),
            ),
          ),
    );
    return true;
  });
}

if (app.dataset['page'] === 'run') runPage(app.dataset['runId'] ?? '');
else runsPage();
