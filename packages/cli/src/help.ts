/**
 * Help of the `casare` command and of each subcommand, each with an example. Plain text, so that
 * `--help` loads nothing heavy; help.test.ts keeps the defaults quoted here equal to infra-dbos's.
 */
export const HELP = {
  casare: `casare: run, inspect and recover durable RPA workflows

Usage: casare <command> [options]

Commands:
  run <file>                      run a workflow and wait for it
  validate <file>                 check a workflow file without running it
  runs list                       list recorded runs
  runs show <runId>               a run's status, timings and steps
  runs cancel <runId>             cancel a run: it stops before its next step
  runs resume <runId>             resume a cancelled or interrupted run and wait for it
  runs fork <runId> --from-step N start a new run that replays steps 0..N-1 of a run
  recover                         recover the pending runs of this executor and wait for them
  demo-site                       serve the demo site the invoice robot uses
  worker                          dequeue runs from DBOS queues; take over dead workers' runs
  submit <file>                   enqueue a run for the workers (no worker needed here)
  workers list                    the fleet: executors, queues, heartbeats, runs in flight

Options:
  -h, --help                      help of a command, e.g. casare run --help
  --version                       print the version

Environment:
  CASARE_DATABASE_URL   PostgreSQL database that records durable runs (created if missing);
                        unset: postgres://postgres@127.0.0.1:5432/casare when a PostgreSQL answers there
  CASARE_EXECUTOR_ID    id of this executor; recover picks up the runs it started (default: casare-local)
  CASARE_APP_VERSION    version runs are recorded under (default: casare-1); recovery resumes only runs
                        of the same version
  CASARE_SECRET_<NAME>  value of {{$secret:NAME}} in a workflow, never written to a checkpoint or log

Example:
  casare run examples/data-processing/data-processing.json
`,
  run: `Usage: casare run <file> [--durability dbos|memory] [--run-id ID] [--var name=value]... [--json]

Runs a workflow file and waits for it to end. File nodes resolve relative paths against the
current directory.

Options:
  --durability dbos|memory  dbos: every node is a checkpointed step in PostgreSQL, the run survives
                            kill -9 (casare recover resumes it). memory: in this process only.
                            Default: dbos when CASARE_DATABASE_URL is set or a PostgreSQL answers
                            at the default URL, else memory (and a line says it is not crash-safe).
  --run-id ID               id of the run. A run with this id that exists is not executed again:
                            its result is returned.
  --var name=value          sets a workflow variable; repeatable. JSON values keep their type
                            (--var count=3, --var 'tags=["a","b"]'), anything else is a string.
  --json                    print one JSON object { runId, status, variables, logs, error } on
                            stdout; progress goes to stderr.
  -h, --help                this help

Exit status: 0 the run succeeded, 1 it failed, was cancelled or could not start (e.g. PostgreSQL
unreachable), 2 bad usage, a missing file or an invalid workflow (nothing ran).

Examples:
  casare run examples/wait-between-steps/wait-between-steps.json --var wait_ms=5000
  casare run flow.json --durability memory --json
`,
  validate: `Usage: casare validate <file> [--json]

Checks a workflow file without running it: format, connections, loops, node types and node
configs. Prints every problem with its JSON path and node id.

Options:
  --json      print { valid, issues: [{ code, path, nodeId, message }] } on stdout
  -h, --help  this help

Exit status: 0 valid, 2 invalid or unreadable.

Example:
  casare validate examples/data-processing/data-processing.json
`,
  runs: `Usage: casare runs <list|show|cancel|resume|fork> ...

Inspect and steer runs recorded in PostgreSQL (CASARE_DATABASE_URL).

Commands:
  runs list [--status S] [--json]
  runs show <runId> [--json]
  runs cancel <runId>
  runs resume <runId> [--json]
  runs fork <runId> --from-step N [--run-id NEW] [--json]

Example:
  casare runs list --status failed
`,
  'runs list': `Usage: casare runs list [--status S] [--limit N] [--json]

Lists recorded runs, most recent first.

Options:
  --status S   only runs with this status: pending, enqueued, succeeded, failed, cancelled
  --limit N    at most N runs (default 50)
  --json       print a JSON array of runs on stdout
  -h, --help   this help

Example:
  casare runs list --status pending
`,
  'runs show': `Usage: casare runs show <runId> [--json]

Shows a run: status, timings, and one row per recorded step: index, node id ("(durable sleep)"
for a Wait node's sleep, "(clock read)" for a recorded clock read), status, duration, attempts
and error. Steps completed before a crash and returned from their checkpoint on recovery are
marked "replayed"; steps that ran in the recovering process are not.

Options:
  --json      print { run, steps } on stdout; each step's kind is step, sleep or now
  -h, --help  this help

Example:
  casare runs show 3f2a9c6e-0d5b-4d8e-9a57-1b2c3d4e5f60
`,
  'runs cancel': `Usage: casare runs cancel <runId>

Cancels a run: it stops before its next step. "casare runs resume" continues it later.

Example:
  casare runs cancel 3f2a9c6e-0d5b-4d8e-9a57-1b2c3d4e5f60
`,
  'runs resume': `Usage: casare runs resume <runId> [--json]

Resumes a cancelled or interrupted run from its last completed step and waits for it.

Options:
  --json      print { runId, status, variables, logs, error } on stdout
  -h, --help  this help

Exit status: 0 the run succeeded, 1 it failed or was cancelled, 2 bad usage or unknown run.

Example:
  casare runs resume 3f2a9c6e-0d5b-4d8e-9a57-1b2c3d4e5f60
`,
  'runs fork': `Usage: casare runs fork <runId> --from-step N [--run-id NEW] [--json]

Starts a new run of the same workflow and inputs that reuses the recorded results of steps
0..N-1 of <runId> and executes the rest (step indexes as "casare runs show" prints them).
Waits for the new run.

Options:
  --from-step N  first step index to execute again
  --run-id NEW   id of the new run (default: a new UUID)
  --json         print { runId, status, variables, logs, error } of the new run on stdout
  -h, --help     this help

Example:
  casare runs fork 3f2a9c6e-0d5b-4d8e-9a57-1b2c3d4e5f60 --from-step 4
`,
  recover: `Usage: casare recover [--json]

Starts this executor (CASARE_EXECUTOR_ID, default casare-local), which resumes every run it left
pending (killed, crashed, machine lost) from its last completed step, waits for them all and
reports how each ended. Completed steps are replayed from their checkpoints, never re-run.

Options:
  --json      print { recovered: [{ runId, status, error }] } on stdout
  -h, --help  this help

Exit status: 0 every recovered run succeeded (or none was pending), 1 otherwise.

Example:
  casare recover
`,
  'demo-site': `Usage: casare demo-site [--port P]

Serves the demo site the invoice robot fills in: a login page, an invoice form and a
confirmation page, on http://127.0.0.1:<port>. Stops on Ctrl-C.

Options:
  --port P    port to listen on (default 8787; 0 picks a free one)
  -h, --help  this help

Example:
  casare demo-site --port 8787
`,
  worker: `Usage: casare worker [--queue NAME]... [--concurrency N] [--global-concurrency N] [--executor-id ID]
                     [--takeover-after S] [--heartbeat S]

A long-lived DBOS executor that dequeues runs from its queues (default queue: casare), records a
heartbeat in the system database, and takes over the pending runs of a worker whose heartbeat is
older than --takeover-after (exactly once across the fleet; DBOS's recovery for that executor id,
so each run resumes after its last completed step). SIGTERM or Ctrl-C: stop dequeuing, give steps
in flight 1.5 s, exit 0; unfinished runs stay pending and are taken over. A second signal exits at once.

Options:
  --queue NAME             queue to dequeue from; repeat for several (default casare)
  --concurrency N          most runs of each queue this worker executes at once
  --global-concurrency N   most runs of each queue executing at once across the fleet
  --executor-id ID         executor id (default: unique per process, printed at start)
  --takeover-after S       heartbeat age after which a worker counts as dead (default 30)
  --heartbeat S            heartbeat period (default min(5, takeover-after / 3))
  -h, --help               this help

Example:
  casare worker --queue invoices --concurrency 4
`,
  submit: `Usage: casare submit <file> [--queue NAME] [--run-id ID] [--var name=value]... [--wait] [--json]

Validates a workflow and enqueues a run of it for the workers (through a DBOS client: nothing runs
in this process); prints the run id. A run id that exists enqueues nothing. Needs a database a
worker has set up (start "casare worker" first).

Options:
  --queue NAME        queue to enqueue on (default casare)
  --run-id ID         id of the run
  --var name=value    set a workflow variable (repeatable)
  --wait              follow the run to its end, like casare run
  --json              one JSON object on stdout
  -h, --help          this help

Example:
  casare submit examples/data-processing/data-processing.json --queue default --wait
`,
  workers: `Usage: casare workers list [--takeover-after S] [--json]

Each executor that recorded a heartbeat: its version, queues, last heartbeat, runs in flight, alive
(heartbeat younger than --takeover-after, default 30 s) or dead, and who took it over. Pending runs
of another application version are named and left alone.

Example:
  casare workers list --json
`,
} as const;

/** A command that has a help text. */
export type HelpTopic = keyof typeof HELP;
