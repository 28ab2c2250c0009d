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
  tasks list                      open human tasks (dialog nodes waiting for a person), across runs
  tasks show <taskId>             a task's fields, choices, deadline and status
  tasks answer <taskId> --value V answer a task (or --json '{...}'); checked before it is delivered
  serve <file or folder>...       arm the schedule and webhook triggers of workflows, run what they start
  demo-site                       serve the demo site the invoice robot uses
  console                         a web page to watch runs and cancel, resume or fork them
  worker                          dequeue runs from DBOS queues; take over dead workers' runs
  submit <file>                   enqueue a run for the workers (no worker needed here)
  workers list                    the fleet: executors, queues, heartbeats, runs in flight

Options:
  -h, --help                      help of a command, e.g. casare run --help
  --version                       print the version

Environment:
  CASARE_DATABASE_URL   PostgreSQL database that records durable runs with DBOS (created if missing);
                        unset: runs are recorded in a SQLite file, no server needed
                        (--durability dbos without it: postgres://postgres@127.0.0.1:5432/casare)
  CASARE_SQLITE_PATH    the SQLite file (default: .casare/casare.db under the current directory)
  CASARE_SQLITE_SYNCHRONOUS  FULL (default: every step on disk before the next) or NORMAL (survives
                        a process kill, not a power cut)
  CASARE_EXECUTOR_ID    id of this executor; recover picks up the runs it started (default: casare-local)
  CASARE_APP_VERSION    version runs are recorded under (default: casare-1); recovery resumes only runs
                        of the same version
  CASARE_SECRET_<NAME>  value of {{$secret:NAME}} in a workflow, never written to a checkpoint or log
  CASARE_ENCRYPTION_KEY  key that encrypts browser session state (cookies) in checkpoints: 32 bytes,
                        base64 or hex (openssl rand -base64 32); unset: a key file created on first
                        use, mode 0600. Every process of a fleet needs the same key
  CASARE_ENCRYPTION_KEY_FILE  that key file (default: encryption.key beside the SQLite file,
                        .casare/encryption.key; the same for DBOS runs)
  CASARE_TASK_KEY       key that seals secret task answers (64 hex digits); default on SQLite: a key
                        file next to the journal (task-answers.key); a fleet on DBOS must set it

Example:
  casare run examples/data-processing/data-processing.json
`,
  run: `Usage: casare run <file> [--durability sqlite|dbos|memory] [--run-id ID] [--var name=value]... [--json]

Runs a workflow file and waits for it to end. File nodes resolve relative paths against the
current directory.

Options:
  --durability sqlite|dbos|memory
                            sqlite: every node is a checkpointed step in a local SQLite file
                            (CASARE_SQLITE_PATH, default .casare/casare.db), no server needed.
                            dbos: the same in PostgreSQL (CASARE_DATABASE_URL, default
                            postgres://postgres@127.0.0.1:5432/casare). Both survive kill -9
                            (casare recover resumes the run). memory: in this process only.
                            Default: dbos when CASARE_DATABASE_URL is set, else sqlite.
  --run-id ID               id of the run. A run with this id that exists is not executed again:
                            its recorded result is printed; when it was started from another file
                            or other --var values, the command says so and exits 2.
  --var name=value          sets a variable the workflow declares; repeatable. The value is read as
                            the declared type (--var wait_seconds=2.5 for a Float, --var name=007
                            stays text for a String, --var 'tags=["a","b"]' for a List); a wrong
                            value or an undeclared name stops the command before anything runs.
  --json                    print one JSON object { runId, status, variables, logs, error } on
                            stdout (status: succeeded, failed or cancelled); progress goes to stderr.
  -h, --help                this help

Exit status: 0 the run succeeded, 1 it failed, was cancelled or could not start (e.g. PostgreSQL
unreachable), 2 bad usage, a missing file, an invalid workflow or --var (nothing ran).

Examples:
  casare run examples/wait-between-steps/wait-between-steps.json --var wait_seconds=2
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

Inspect and steer recorded runs: in PostgreSQL when CASARE_DATABASE_URL is set, else in the
SQLite file (CASARE_SQLITE_PATH, default .casare/casare.db under the current directory).

Commands:
  runs list [--status S] [--queue NAME] [--workflows] [--json]
  runs show <runId> [--json]
  runs cancel <runId>
  runs resume <runId> [--json]
  runs fork <runId> --from-step N [--run-id NEW] [--json]

Example:
  casare runs list --status failed
`,
  'runs list': `Usage: casare runs list [--status S] [--queue NAME] [--limit N] [--workflows] [--json]

Lists recorded runs, most recent first.

Options:
  --status S   only runs with this status: pending, enqueued, succeeded, failed, cancelled
  --queue NAME only runs submitted to this DBOS queue (casare submit --queue; needs
               CASARE_DATABASE_URL: SQLite runs go through no queue)
  --limit N    at most N runs (default 50)
  --workflows  also show each run's workflow name and file: reads every listed run's input
               (its whole workflow document), one query per run; "runs show" always shows them
  --json       print a JSON array of runs on stdout
  -h, --help   this help

Example:
  casare runs list --status pending
`,
  'runs show': `Usage: casare runs show <runId> [--json]

Shows a run: status, its workflow's name and file, timings, and one row per recorded step:
index, node id ("(durable sleep)" for a Wait node's sleep, "(clock read)" for a recorded clock
read), status (completed, failed, or sleeping with its wake time), duration, attempts and error. Steps completed before a crash and returned from their checkpoint on recovery are
marked "replayed"; steps that ran in the recovering process are not.

Options:
  --json      print { run, steps } on stdout; run.workflow is { name, source }; each step's
              kind is step, sleep or now
  -h, --help  this help

Example:
  casare runs show 3f2a9c6e-0d5b-4d8e-9a57-1b2c3d4e5f60
`,
  'runs cancel': `Usage: casare runs cancel <runId>

Cancels a run that has not ended: it stops before its next step. "casare runs resume"
continues it later. A run that has ended is left as it is (exit 2).

Example:
  casare runs cancel 3f2a9c6e-0d5b-4d8e-9a57-1b2c3d4e5f60
`,
  'runs resume': `Usage: casare runs resume <runId> [--json]

Resumes a cancelled or interrupted run from its last completed step and waits for it. A run
that succeeded or failed is not resumed (exit 2): "casare runs fork" runs its steps again.

Options:
  --json      print { runId, status, variables, logs, error } on stdout
  -h, --help  this help

Exit status: 0 the run succeeded, 1 it failed or was cancelled, 2 bad usage, an unknown run or
one that has ended.

Example:
  casare runs resume 3f2a9c6e-0d5b-4d8e-9a57-1b2c3d4e5f60
`,
  'runs fork': `Usage: casare runs fork <runId> --from-step N [--run-id NEW] [--json]

Starts a new run of the same workflow and inputs that reuses the recorded results of steps
0..N-1 of <runId> and executes the rest (step indexes as "casare runs show" prints them).
Waits for the new run.

Options:
  --from-step N  first step index to execute again: one of the run's recorded steps
  --run-id NEW   id of the new run, not used by any run (default: a new UUID)
  --json         print { runId, status, variables, logs, error } of the new run on stdout
  -h, --help     this help

Exit status: 0 the new run succeeded, 1 it failed or was cancelled, 2 bad usage, an unknown run,
a step it does not have, or a --run-id that exists.

Example:
  casare runs fork 3f2a9c6e-0d5b-4d8e-9a57-1b2c3d4e5f60 --from-step 4
`,
  tasks: `Usage: casare tasks <list|show|answer> ...

Dialog nodes (ConfirmDialogNode, InputDialogNode, FormDialogNode, ...) are human tasks: the run
records a task and waits durably for its answer, across crashes and restarts. Tasks are where the
runs are: PostgreSQL when CASARE_DATABASE_URL is set, else the SQLite file.

Subcommands:
  list [--status S] [--run ID] [--json]   tasks, open ones by default
  show <taskId> [--json]                  one task: fields, choices, deadline, status
  answer <taskId> --value V | --json J    answer a task

Example:
  casare tasks list
`,
  'tasks list': `Usage: casare tasks list [--status open|answered|timed_out|all] [--run ID] [--json]

Lists human tasks across runs, oldest first: open ones unless --status says otherwise.

Options:
  --status S   open (default), answered, timed_out or all
  --run ID     only the tasks of this run
  --json       print them as JSON (fields, choices, deadline included)

Example:
  casare tasks list --json
`,
  'tasks show': `Usage: casare tasks show <taskId> [--json]

Prints a task: its run and node, title and message, each field with its type, choices, default
and whether it is required, its deadline and what a timeout does, and its status.

Example:
  casare tasks show run-42:3
`,
  'tasks answer': `Usage: casare tasks answer <taskId> (--value V | --json '{"field": value, ...}')

Answers an open task. The answer is checked against the task's fields first (types, required
fields, choices offered); a wrong answer, an unknown task or a closed one (answered, or past its
deadline) is refused with the reason, exit code 2, and nothing is delivered. A task takes one
answer: a second one is refused even before the run has read the first. An answer given while no
process runs the workflow is kept; casare recover (or casare run --run-id) consumes it. Secret
fields (a CredentialDialogNode's password) are sealed before they leave this process.

Options:
  --value V    the value of the task's only field (or only required one), e.g. yes for a confirm
  --json J     the answer as a JSON object keyed by field name

Examples:
  casare tasks answer run-42:3 --value yes
  casare tasks answer run-42:5 --json '{"username": "ada", "password": "s3cret"}'
`,
  recover: `Usage: casare recover [--json]

Starts this executor (CASARE_EXECUTOR_ID, default casare-local), which resumes every run it left
pending (killed, crashed, machine lost) from its last completed step, waits for them all and
reports how each ended. Completed steps are replayed from their checkpoints, never re-run.
Runs are looked for where "casare run" records them by default: in PostgreSQL when
CASARE_DATABASE_URL is set, else in the SQLite file (CASARE_SQLITE_PATH, default .casare/casare.db).

Options:
  --json      print { recovered: [{ runId, status, error }] } on stdout (status: succeeded,
              failed or cancelled)
  -h, --help  this help

Exit status: 0 every recovered run succeeded (or none was pending), 1 otherwise.

Example:
  casare recover
`,
  serve: `Usage: casare serve [--port P] [--host H] [--durability dbos|memory] <file or folder>...

Arms the triggers of the workflows given (a folder: its *.json files) and runs what they start,
until Ctrl-C. Every trigger hands its event to the run as the variable trigger_event
({ node_id, type, outputs }); the trigger node outputs it (a manual casare run passes through
trigger nodes with an empty event).

  ScheduleTriggerNode  one run per tick (frequency once|interval|hourly|daily|weekly|monthly|cron,
                       time_hour, time_minute, day_of_week, day_of_month, cron_expression,
                       timezone), run id schedule:<workflow>:<node>:<tick ISO time>: several
                       serving processes, a restart or a crash never start a tick twice. Ticks
                       missed while nothing served are skipped, unless the node sets catch_up.
  WebhookTriggerNode   an endpoint at /webhooks<endpoint> (or /hooks/<node id>), methods from
                       its config. The delivery id (Idempotency-Key or X-Delivery-Id header,
                       else a hash of the body) makes the run id webhook:<workflow>:<node>:<id>,
                       so a redelivery starts nothing new. With secret and validate_signature the
                       header signature_header (default X-Signature-256) must hold the
                       HMAC-SHA256 of the raw body (hex, "sha256=" prefix allowed). Body limit
                       max_payload_size; json_only refuses other bodies. Answers 202 { runId },
                       or the run's result with ?wait=true; 400 bad body, 401 bad signature,
                       404 unknown endpoint, 405 method, 413 too large: one JSON line, no run.
                       Webhook runs never run script nodes (settings.allow_scripts: false).

<workflow> is metadata.id, else the file name without .json. Give each serving process its own
CASARE_EXECUTOR_ID.

Options:
  --port P                  webhook port (default 8766; 0 picks a free one)
  --host H                  address to listen on (default 127.0.0.1)
  --durability dbos|memory  as for casare run
  -h, --help                this help

Example:
  casare serve --port 8766 workflows/
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
  console: `Usage: casare console [--port P] [--host ADDRESS] [--token T]

Serves a web console on http://127.0.0.1:<port>: the recorded runs (filter by status, workflow,
queue), and for each run its workflow graph coloured by node status, its steps with durations,
logs, errors and variables (secrets redacted), with buttons to cancel, resume and fork it: the
same operations as casare runs cancel|resume|fork. Resumed and forked runs execute in this
process, under CASARE_EXECUTOR_ID. Stops on Ctrl-C.

Options:
  --port P          port to listen on (default 8790; 0 picks a free one)
  --host ADDRESS    address to bind (default 127.0.0.1); any other address requires a token
  --token T         secret every request must present (open the console with ?token=T once);
                    default: CASARE_CONSOLE_TOKEN
  -h, --help        this help

Example:
  casare console --port 8790
`,
  worker: `Usage: casare worker [--queue NAME]... [--concurrency N] [--global-concurrency N] [--rate-limit N/S]
                     [--poll-interval S] [--queue-config FILE] [--executor-id ID] [--takeover-after S]
                     [--heartbeat S]

A long-lived DBOS executor that dequeues runs from its queues (default queue: casare), records a
heartbeat in the system database, and takes over the pending runs of a worker whose heartbeat is
older than --takeover-after (exactly once across the fleet; DBOS's recovery for that executor id,
so each run resumes after its last completed step). SIGTERM or Ctrl-C: stop dequeuing, give steps
in flight 1.5 s, exit 0; unfinished runs stay pending and are taken over. A second signal exits at once.
While PostgreSQL is away the worker stays up and its runs wait; once its heartbeat is back it takes
over nobody for --takeover-after, while the other workers reconnect.

Queue settings are DBOS's own, stored in the system database: the last worker to start sets them
for the whole fleet. A queue's settings come from --queue-config, overridden by the flags (which
apply to every queue of this worker). The queues are the --queue names, else the file's, else casare.

Options:
  --queue NAME             queue to dequeue from; repeat for several (default: the file's, else casare)
  --concurrency N          most runs of each queue this worker executes at once
  --global-concurrency N   most runs of each queue executing at once across the fleet
  --rate-limit N/S         at most N runs of each queue started per S seconds across the fleet
                           (DBOS's rate limiter), e.g. 10/60
  --poll-interval S        shortest wait between two polls of each queue, seconds (default 1; e.g. 0.1)
  --queue-config FILE      JSON settings per queue, keys as the flags:
                           { "queues": { "invoices": { "concurrency": 2, "globalConcurrency": 4,
                             "rateLimit": { "limit": 10, "periodSeconds": 60 }, "pollIntervalSeconds": 0.5 } } }
  --executor-id ID         executor id (default: unique per process, printed at start)
  --takeover-after S       heartbeat age after which a worker counts as dead (default 30)
  --heartbeat S            heartbeat period (default min(5, takeover-after / 3))
  -h, --help               this help

Examples:
  casare worker --queue invoices --concurrency 4
  casare worker --queue invoices --rate-limit 10/60 --poll-interval 0.5
  casare worker --queue-config queues.json
`,
  submit: `Usage: casare submit <file> [--queue NAME] [--run-id ID] [--priority N] [--delay S] [--var name=value]...
                     [--wait] [--json]

Validates a workflow and enqueues a run of it for the workers (through a DBOS client: nothing runs
in this process); prints the run id. A run id that exists enqueues nothing. Needs a database a
worker has set up (start "casare worker" first).

Options:
  --queue NAME        queue to enqueue on (default casare)
  --run-id ID         id of the run
  --priority N        DBOS queue priority, 0 to 2147483647: lower runs first; 0, the default, is the
                      highest (runs of equal priority start in submission order)
  --delay S           seconds before the run may be dequeued (DBOS delaySeconds; listed as enqueued)
  --var name=value    set a workflow variable (repeatable)
  --wait              follow the run to its end, like casare run
  --json              one JSON object on stdout
  -h, --help          this help

Examples:
  casare submit examples/data-processing/data-processing.json --queue default --wait
  casare submit examples/data-processing/data-processing.json --queue default --priority 1 --delay 30
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
