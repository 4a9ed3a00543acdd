// The one table of the command line: every command, the flags its parser accepts and, for
// `run`, the REGIONCTL_* variables. The parsers (parseCommandArgs), `--help`, `regionctl
// help COMMAND`, "did you mean" and the bash/zsh completion scripts are all generated from
// it, so a flag cannot be accepted without being documented (test/cli/help.test.ts).
// No imports: every command loads it, including the fast `validate`.

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in help (string flags). */
  readonly arg?: string;
  readonly help: string;
}

export interface EnvSpec {
  readonly name: string;
  /** The flag that sets the same value (the flag wins). */
  readonly flag?: string;
  readonly default?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly usage: string;
  readonly summary: string;
  readonly description: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly env?: readonly EnvSpec[];
  readonly exitCodes: string;
}

/** The flags of every command that talks to a cloud (AWS or the sandbox). */
const TARGET_FLAGS = {
  sandbox: { type: 'string', arg: '[PATH]', help: 'use the built-in in-memory cloud instead of AWS (state kept in PATH when given)' },
  'sandbox-speed': { type: 'string', arg: 'N', help: 'sandbox time runs N times faster than real time (default 100)' },
  'endpoint-url': { type: 'string', arg: 'URL', help: 'send every AWS call to URL, e.g. an emulator (wins over AWS_ENDPOINT_URL)' },
  'max-attempts': { type: 'string', arg: 'N', help: 'AWS SDK attempts per call (default AWS_MAX_ATTEMPTS or 3)' },
  'retry-mode': { type: 'string', arg: 'MODE', help: 'AWS SDK retries: standard (default) or adaptive' },
  profile: { type: 'string', arg: 'NAME', help: 'AWS shared-config profile for credentials, as AWS_PROFILE (wins over it): SSO, role_arn, credential_process, keys' },
  region: {
    type: 'string',
    arg: 'CODE',
    help: "default AWS region: where credentials are resolved and checked, and the partition when the manifest names no region (the manifest's regions are always called in themselves)",
  },
} as const satisfies Record<string, FlagSpec>;

/** The flags of the commands that show an apply's progress. */
const PROGRESS_FLAGS = {
  'no-color': { type: 'boolean', help: 'no colour in the progress (NO_COLOR does the same; FORCE_COLOR asks for colour in a pipe or CI log)' },
} as const satisfies Record<string, FlagSpec>;

/** The flags of the commands that talk to a running controller over HTTP. */
const CONTROLLER_FLAGS = {
  controller: { type: 'string', arg: 'URL', help: 'the controller\'s HTTP address (default http://127.0.0.1:8080)' },
  by: { type: 'string', arg: 'WHO', help: 'who asks, recorded with the change (default $USER)' },
} as const satisfies Record<string, FlagSpec>;

const CONTROLLER_EXIT_CODES = '0 done, 1 error (controller unreachable, bad token, unknown RegionSet)';

const PLAN_EXIT_CODES = '0 success (or no changes), 1 error, 3 plan refused by a guardrail (the plan and the refusal are printed)';

const REGION_EDIT_DESCRIPTION = `Edits spec.regions of the manifest in place so that git diff shows one line. The result
is validated first; when it would not validate, nothing is written.`;

export const COMMANDS = {
  validate: {
    usage: 'regionctl validate FILE... [--output text|json]',
    summary: 'check manifests offline',
    description: `Checks RegionSet manifests: YAML, schema and the rules between regions, records and the
rollout. FILE may be a path, a folder (its .yaml and .yml files) or a quoted glob pattern
such as 'manifests/*.yaml'. Another tool's YAML (apiVersion not regionctl/..., kind not
RegionSet) is skipped, saying so; a RegionSet name declared in two files is an error.
Warnings (such as a NoEcho parameter's value written in the manifest) are printed but
do not fail.`,
    flags: {
      output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'text (default) or json' },
    },
    exitCodes: '0 every file is valid, 1 otherwise',
  },
  diff: {
    usage: 'regionctl diff FILE... [options]   (alias: regionctl plan)',
    summary: 'show the plan (dry run); applies nothing',
    description: `Plans the manifest against the live state (AWS, or the sandbox with --sandbox) and prints
the plan. Nothing is changed. FILE may be a path, a folder or a quoted glob, as for
validate: each RegionSet is planned on its own and printed under its own header (JSON: one
entry per file; one plain FILE prints its plan object), and the exit code is the worst of
them. Without --sandbox it uses the usual AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID,
...).`,
    flags: {
      ...TARGET_FLAGS,
      output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'text (default), json or markdown' },
      'detailed-exitcode': { type: 'boolean', help: 'exit 2 when the plan has changes (0 when there are none)' },
      out: {
        type: 'string',
        arg: 'FILE',
        help: 'also save the plans to FILE (JSON, mode 0600, no secrets; every RegionSet given, all planned) for "regionctl apply FILE"; a refused plan is saved but cannot be applied',
      },
      'read-only': {
        type: 'boolean',
        help: 'send no write call (no CloudFormation change set, no review stack): stack changes show template, parameters and tags only; manifests/iam-policy-read-only.json is all it needs',
      },
    },
    exitCodes: '0 no changes (or changes without --detailed-exitcode), 1 error, 2 changes (with --detailed-exitcode), 3 plan refused by a guardrail',
  },
  apply: {
    usage: 'regionctl apply FILE...|PLANFILE [options]',
    summary: 'show the plan, confirm, converge',
    description: `Plans the manifests like diff, prints the plans, asks for confirmation (only "yes" is
accepted; --yes skips the question) and carries them out one RegionSet after another,
showing progress. Nothing is changed in any RegionSet when one manifest is invalid or one
plan is refused; a failed RegionSet stops those not yet started.
Given a plan saved by "diff --out PLANFILE" (recognised by its content; alone), it reads
the manifests and the live state again and applies exactly the saved steps, without
asking; it refuses, naming what moved, when any of them changed since the plan was saved.`,
    flags: {
      ...TARGET_FLAGS,
      yes: { type: 'boolean', short: 'y', help: 'do not ask for confirmation (needed when stdin is not a terminal)' },
      'ignore-sync-windows': { type: 'boolean', help: "apply although the manifest's sync windows are closed now (an emergency; said in the output)" },
      ...PROGRESS_FLAGS,
      output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'text (default) or json: one JSON object per line for each plan, each step event and a summary per RegionSet, all naming their regionSet; nothing else on stdout (needs --yes or a saved plan)' },
    },
    exitCodes:
      '0 success (or no changes), 1 error or a failed step, 3 nothing changed: plan refused by a guardrail, a sync window closed (without --ignore-sync-windows), or a saved plan refused (made stale by a change to the live state or the manifest, or refused when saved)',
  },
  'add-region': {
    usage: 'regionctl add-region FILE REGION [--weight N]',
    summary: 'add one region line to spec.regions',
    description: `${REGION_EDIT_DESCRIPTION}
The new line "REGION: {}" (or "{ weight: N }") goes at the indentation of the other
regions: in sorted position when they are sorted, else last.`,
    flags: {
      weight: { type: 'string', arg: 'N', help: "the new region's routing weight" },
    },
    exitCodes: '0 the file was changed, 1 the edit was refused',
  },
  'drain-region': {
    usage: 'regionctl drain-region FILE REGION',
    summary: "set the region's state to drained (one line)",
    description: `${REGION_EDIT_DESCRIPTION}
"state: drained" is merged into the region's line, its comment kept (a region written as
a block mapping gets one "state: drained" line).`,
    flags: {},
    exitCodes: '0 the file was changed, 1 the edit was refused',
  },
  'remove-region': {
    usage: 'regionctl remove-region FILE REGION',
    summary: "delete the region's line",
    description: `${REGION_EDIT_DESCRIPTION}
The region's line is deleted (all lines of a block mapping, said in the output).`,
    flags: {},
    exitCodes: '0 the file was changed, 1 the edit was refused',
  },
  'prune-regionset': {
    usage: 'regionctl prune-regionset NAME --zone ZONE --manifests GLOB [--stack-name NAME] [--sandbox PATH] [--yes]',
    summary: 'delete what an orphaned RegionSet still owns',
    description: `Removes what a RegionSet that no manifest declares any more still owns: its records,
health checks, stacks and inventory record, through the ordinary planner and executor.
Global-table replicas are kept (their data outlives the RegionSet).`,
    flags: {
      ...TARGET_FLAGS,
      zone: { type: 'string', arg: 'ZONE', help: "the hosted zone holding the RegionSet's records, e.g. example.com." },
      manifests: { type: 'string', multiple: true, arg: 'GLOB', help: "the repository's manifests (repeatable), so a RegionSet still declared is never pruned" },
      'stack-name': { type: 'string', arg: 'NAME', help: "the RegionSet's CloudFormation stack name (default: NAME)" },
      yes: { type: 'boolean', short: 'y', help: 'do not ask for confirmation (needed when stdin is not a terminal)' },
      ...PROGRESS_FLAGS,
    },
    exitCodes: PLAN_EXIT_CODES,
  },
  suspend: {
    usage: 'regionctl suspend NAME --reason TEXT [--controller URL] [--by WHO]',
    summary: 'stop the running controller reconciling a RegionSet (every replica, durably)',
    description: `Asks the running controller (POST /suspend) to stop reconciling the RegionSet until
"regionctl resume". The suspension is kept in the shared control state (the lease table,
or the sandbox's control file), so every replica honours it and a restart keeps it; the
reason and who asked show in /status and in "regionctl history". The bearer token is read
from REGIONCTL_TRIGGER_TOKEN.`,
    flags: {
      reason: { type: 'string', arg: 'TEXT', help: 'why (required; shown in /status and history)' },
      ...CONTROLLER_FLAGS,
    },
    exitCodes: CONTROLLER_EXIT_CODES,
  },
  resume: {
    usage: 'regionctl resume NAME [--reason TEXT] [--controller URL] [--by WHO]',
    summary: 'resume a suspended RegionSet and reconcile it now',
    description: `Asks the running controller (POST /resume) to lift the suspension on every replica and
reconcile the RegionSet at once. The bearer token is read from REGIONCTL_TRIGGER_TOKEN.`,
    flags: {
      reason: { type: 'string', arg: 'TEXT', help: 'why (shown in history)' },
      ...CONTROLLER_FLAGS,
    },
    exitCodes: CONTROLLER_EXIT_CODES,
  },
  drain: {
    usage: 'regionctl drain REGION --now --regionset NAME --reason TEXT [--for 4h] [--controller URL] [--manifest FILE] [--patch FILE] [--by WHO]',
    summary: "break-glass: drain a region through the running controller now, and write the PR's one-line change",
    description: `Asks the running controller (POST /drain) to take REGION's traffic away at once: one
reconcile, started now, puts its weighted records at weight 0 and takes its latency,
geolocation and failover records out, without waiting for a merge. Guardrails still apply:
a drain that would leave fewer than minHealthyRegions healthy serving regions is refused
(exit 3) and nothing changes. The override is kept in the shared control state (every
replica, restarts) and shown in /status until the manifest says the region is no longer
active (the pull request merged) or it expires (--for); then traffic follows the manifest.
The matching one-line change (as drain-region makes it) is committed on top of HEAD of the
current git checkout as branch regionctl/drain-REGION-<time>, without touching the working
tree, or written as a patch with --patch; push it and open the pull request. Without --now
nothing is drained: the normal path is "regionctl drain-region FILE REGION" in a pull
request. The bearer token is read from REGIONCTL_TRIGGER_TOKEN.`,
    flags: {
      now: { type: 'boolean', help: 'drain through the running controller now (required: the normal path is a pull request)' },
      regionset: { type: 'string', arg: 'NAME', help: 'the RegionSet whose region to drain (required)' },
      reason: { type: 'string', arg: 'TEXT', help: 'why (required; recorded in history and in the commit message)' },
      for: { type: 'string', arg: 'DURATION', help: 'how long the override holds unless the pull request merges first (default 4h, at most 48h)' },
      manifest: { type: 'string', arg: 'FILE', help: "the RegionSet's manifest in this checkout (default: the file the controller reports in /status)" },
      patch: { type: 'string', arg: 'FILE', help: 'write the one-line change as a patch (git format-patch) to FILE instead of creating a branch' },
      ...CONTROLLER_FLAGS,
    },
    exitCodes: '0 drained and the change written, 1 error (nothing drained unless the message says so), 3 refused by a guardrail (nothing changed)',
  },
  'sync-window': {
    usage: 'regionctl sync-window override NAME --reason TEXT [--for DURATION] [--controller URL] [--by WHO]',
    summary: "lift a RegionSet's sync windows (change freeze) for an emergency",
    description: `Asks the running controller (POST /sync-window-override) to apply the RegionSet's
changes now although a deny window is active or no allow window is: for --for (default 1h,
at most 24h), then the windows hold again by themselves. The override is kept in the shared
control state (every replica honours it), shown in /status and recorded in history with the
reason and who asked. The bearer token is read from REGIONCTL_TRIGGER_TOKEN.`,
    flags: {
      reason: { type: 'string', arg: 'TEXT', help: 'why (required; shown in /status and history)' },
      for: { type: 'string', arg: 'DURATION', help: 'how long the override lasts, such as 30m or 2h (default 1h, at most 24h)' },
      ...CONTROLLER_FLAGS,
    },
    exitCodes: CONTROLLER_EXIT_CODES,
  },
  history: {
    usage: 'regionctl history NAME [--controller URL] [--output text|json]',
    summary: "what the controller applied to a RegionSet, and who suspended or resumed it",
    description: `Reads GET /history of the running controller: every reconcile that planned changes
(revision, outcome, what triggered it, the plan's steps with their outcome and timings)
and every suspend and resume, newest last, as many as REGIONCTL_HISTORY_LIMIT keeps.`,
    flags: {
      controller: CONTROLLER_FLAGS.controller,
      output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'text (default) or json' },
    },
    exitCodes: '0 success, 1 error (controller unreachable, unknown RegionSet)',
  },
  status: {
    usage: 'regionctl status [NAME] [--controller URL] [--output text|json] [--no-color]',
    summary: 'how every RegionSet stands: applied commit, conditions, regions, last plan',
    description: `Reads GET /status of the running controller. One line per RegionSet: the last applied
commit, its conditions (Ready, or not and why, and every other condition that holds),
whether it is suspended and the last plan (steps, refusals, when); below it the
suspension, the last error and each region: its state in the manifest, its traffic
(serving, standby, draining, drained, joining, leaving), its weight (weighted routing: the
manifest's, and the live record's while they differ) and its last observed health. NAME
shows one RegionSet. The same page in a browser: the controller's address, /.`,
    flags: {
      controller: CONTROLLER_FLAGS.controller,
      output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'text (default) or json: the /status document (for NAME, with that RegionSet only)' },
      'no-color': { type: 'boolean', help: 'no colour (NO_COLOR does the same; FORCE_COLOR asks for colour in a pipe or CI log)' },
    },
    exitCodes: '0 success, 1 error (controller unreachable, unknown RegionSet)',
  },
  run: {
    usage: 'regionctl run [options]',
    summary: 'the controller: follow a git branch and reconcile every RegionSet',
    description: `The long-running GitOps controller. It follows one branch of a git repository (or a local
directory), reconciles every RegionSet manifest on start-up, on push webhooks, on a
periodic resync and on manual triggers, and serves /healthz, /readyz, /metrics and /status
on HTTP. SIGTERM/SIGINT stop it gracefully (exit 0). Each setting is an environment
variable, most also settable by the flag beside it (the flag wins); secrets are
environment-only, so they never show in \`ps\`.`,
    flags: {
      source: { type: 'string', arg: 'URL|PATH', help: 'git URL or local directory to follow (REGIONCTL_GIT_URL)' },
      branch: { type: 'string', arg: 'NAME', help: 'branch to follow (REGIONCTL_GIT_BRANCH)' },
      'ssh-key-file': { type: 'string', arg: 'PATH', help: 'private key of an SSH deploy key (REGIONCTL_GIT_SSH_KEY_FILE)' },
      'git-dir': { type: 'string', arg: 'PATH', help: 'working copy of a remote (REGIONCTL_GIT_DIR)' },
      manifests: { type: 'string', arg: 'GLOB', help: 'manifest files relative to the repository root (REGIONCTL_MANIFESTS)' },
      mode: { type: 'string', arg: 'MODE', help: 'apply or plan-only (REGIONCTL_MODE)' },
      resync: { type: 'string', arg: 'SCHEDULE', help: 'cron expression, interval such as 5m, or off (REGIONCTL_RESYNC)' },
      listen: { type: 'string', arg: 'HOST:PORT', help: 'HTTP address (REGIONCTL_LISTEN)' },
      suspend: { type: 'string', arg: 'A,B', help: 'RegionSets suspended from the start (REGIONCTL_SUSPEND)' },
      sandbox: { type: 'string', arg: 'PATH', help: 'use the sandbox cloud kept in this JSON state file (REGIONCTL_SANDBOX)' },
      'sandbox-speed': { type: 'string', arg: 'N', help: 'sandbox time speed-up (REGIONCTL_SANDBOX_SPEED)' },
      'endpoint-url': { type: 'string', arg: 'URL', help: 'send every AWS call to URL (AWS_ENDPOINT_URL)' },
      profile: { type: 'string', arg: 'NAME', help: 'AWS shared-config profile for credentials, as AWS_PROFILE (wins over it)' },
      region: { type: 'string', arg: 'CODE', help: 'default AWS region: credentials are checked there, and the lease table lives there unless REGIONCTL_LEASE_REGION (AWS_REGION)' },
      'shutdown-timeout': { type: 'string', arg: 'DURATION', help: 'how long running steps may finish on SIGTERM (REGIONCTL_SHUTDOWN_TIMEOUT)' },
      concurrency: { type: 'string', arg: 'N', help: 'RegionSets reconciled at once (REGIONCTL_CONCURRENCY)' },
      'log-level': { type: 'string', arg: 'LEVEL', help: 'trace, debug, info, warn, error, fatal or silent (REGIONCTL_LOG_LEVEL)' },
    },
    env: [
      { name: 'REGIONCTL_GIT_URL', flag: 'source', help: 'required: https://, ssh://, git@host:org/repo.git, git://, file://, a bare repository or a local directory' },
      { name: 'REGIONCTL_GIT_BRANCH', flag: 'branch', default: 'main', help: 'branch to follow' },
      { name: 'REGIONCTL_GIT_TOKEN', help: 'HTTPS token (sent as a Basic-auth header, never in the URL)' },
      { name: 'REGIONCTL_GIT_SSH_KEY_FILE', flag: 'ssh-key-file', help: 'private key of an SSH deploy key' },
      { name: 'REGIONCTL_GIT_DIR', flag: 'git-dir', default: 'a new temporary directory per process', help: 'working copy of a remote' },
      { name: 'REGIONCTL_MANIFESTS', flag: 'manifests', default: 'manifests/*.yaml', help: "manifest files relative to the repository root; other tools' YAML is skipped" },
      { name: 'REGIONCTL_MODE', flag: 'mode', default: 'apply', help: 'apply (converge) or plan-only (report drift, never write)' },
      { name: 'REGIONCTL_RESYNC', flag: 'resync', default: '*/5 * * * *', help: 'periodic sync and reconcile: a cron expression, an interval such as 5m, or off' },
      { name: 'REGIONCTL_WEBHOOK_SECRET_GITHUB', help: 'secret of GitHub push webhooks (X-Hub-Signature-256)' },
      { name: 'REGIONCTL_WEBHOOK_SECRET_GITLAB', help: 'secret token of GitLab push webhooks (X-Gitlab-Token)' },
      { name: 'REGIONCTL_WEBHOOK_SECRET_GENERIC', help: 'HMAC-SHA256 secret of generic webhooks (X-Signature-256)' },
      { name: 'REGIONCTL_TRIGGER_TOKEN', help: 'bearer token of POST /trigger, /suspend, /resume, /drain (without it they answer 404)' },
      { name: 'REGIONCTL_LISTEN', flag: 'listen', default: '0.0.0.0:8080', help: 'HTTP address (port 0 picks a free one)' },
      { name: 'REGIONCTL_SUSPEND', flag: 'suspend', default: 'none', help: 'RegionSets suspended from the start, in this process (regionctl suspend NAME is shared and durable)' },
      { name: 'REGIONCTL_HISTORY_LIMIT', default: '50', help: 'history entries kept per RegionSet (1-500; older ones are dropped on write)' },
      { name: 'REGIONCTL_STATE_DIR', default: 'next to the sandbox state', help: 'without a lease table: directory of the suspension and history file (with one, they live in the table)' },
      { name: 'REGIONCTL_SANDBOX', flag: 'sandbox', help: 'use the built-in sandbox cloud kept in this JSON state file instead of AWS' },
      { name: 'REGIONCTL_SANDBOX_SPEED', flag: 'sandbox-speed', default: '100', help: 'sandbox time runs N times faster than real time' },
      { name: 'REGIONCTL_SANDBOX_LOCK_WAIT_MS', default: '60000', help: 'how long to wait for the sandbox state file lock held by another process' },
      { name: 'REGIONCTL_POLL_INTERVAL_MS', default: "AWS's usual intervals", help: 'shorten every wait between AWS status polls (emulators)' },
      { name: 'REGIONCTL_LEASE_TABLE', help: 'DynamoDB table of leader leases (partition key pk, S); without it run one replica' },
      { name: 'REGIONCTL_LEASE_SECONDS', default: '30', help: 'lease duration' },
      { name: 'REGIONCTL_INSTANCE_ID', default: 'hostname-pid', help: 'this replica\'s id in the lease table' },
      { name: 'REGIONCTL_LEASE_REGION', default: '--region, else AWS_REGION', help: 'region of the lease table' },
      { name: 'REGIONCTL_SHUTDOWN_TIMEOUT', flag: 'shutdown-timeout', default: '30s', help: 'how long running steps may take to finish on SIGTERM (45s, 2m or seconds)' },
      { name: 'REGIONCTL_CONCURRENCY', flag: 'concurrency', default: '4', help: 'RegionSets reconciled at once' },
      { name: 'REGIONCTL_NOTIFY_CONFIG', help: 'YAML file of notification providers (webhook, Slack, GitHub commit status) and per-RegionSet routes' },
      { name: 'REGIONCTL_GITHUB_TOKEN', help: 'token of the GitHub commit-status provider (the config may name another variable)' },
      { name: 'REGIONCTL_LOG_LEVEL', flag: 'log-level', default: 'info', help: 'trace, debug, info, warn, error, fatal, silent' },
      { name: 'REGIONCTL_PARAMETER_DIGEST_KEY', help: 'HMAC key for NoEcho parameter digests (same value on every replica and CI job)' },
    ],
    exitCodes: '0 stopped by SIGTERM/SIGINT, 1 bad configuration',
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** Other names a command answers to. */
export const ALIASES: Readonly<Record<string, CommandName>> = { plan: 'diff' };

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}
