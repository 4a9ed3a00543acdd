// `regionctl COMMAND --help` and `regionctl help COMMAND`: the help of a command is built
// from the option table its parser accepts (so a flag cannot be accepted and missing from
// the help) and the one-line descriptions below; `run` also lists its REGIONCTL_* settings.

/** One line per flag; a flag a parser accepts without a line here shows as undocumented (a test fails). */
const FLAG_HELP: Record<string, string> = {
  sandbox: '[PATH]  use the built-in in-memory cloud instead of AWS; with PATH.json its state is kept in that file',
  'sandbox-speed': 'N  sandbox time runs N times faster than real time (default 100)',
  'endpoint-url': 'URL  send every AWS call to URL (wins over AWS_ENDPOINT_URL; emulators such as moto)',
  'max-attempts': 'N  AWS SDK attempts per call (default AWS_MAX_ATTEMPTS or 3)',
  'retry-mode': 'MODE  AWS SDK retries: standard (default) or adaptive',
  output: 'FORMAT  text (default), json or markdown',
  'detailed-exitcode': 'exit 2 when the plan has changes (0 none, 3 refused, 1 error)',
  yes: 'do not ask for confirmation (needed without a terminal)',
  weight: 'N  the new region\'s weight, 0-255 (weighted routing)',
  zone: 'ZONE  the hosted zone holding the RegionSet\'s records, e.g. example.com.',
  manifests: 'GLOB  the repository\'s manifests (repeatable); a RegionSet still declared there is never pruned',
  'stack-name': 'NAME  the RegionSet\'s stack name when it was not NAME',
  source: 'URL|PATH  git repository or local directory to follow (REGIONCTL_GIT_URL)',
  branch: 'NAME  branch to follow (REGIONCTL_GIT_BRANCH, default main)',
  'ssh-key-file': 'PATH  private key of an SSH deploy key (REGIONCTL_GIT_SSH_KEY_FILE)',
  'git-dir': 'PATH  working copy of a remote (REGIONCTL_GIT_DIR)',
  mode: 'MODE  apply (default) or plan-only (REGIONCTL_MODE)',
  resync: 'SCHEDULE  cron expression or interval such as 5m; off disables (REGIONCTL_RESYNC)',
  listen: 'HOST:PORT  HTTP address (REGIONCTL_LISTEN, default 0.0.0.0:8080)',
  suspend: 'A,B  RegionSets suspended from the start (REGIONCTL_SUSPEND)',
  'shutdown-timeout': 'D  how long running steps may finish on SIGTERM (REGIONCTL_SHUTDOWN_TIMEOUT, default 30s)',
  concurrency: 'N  RegionSets reconciled at once (REGIONCTL_CONCURRENCY, default 4)',
  'log-level': 'LEVEL  trace, debug, info (default), warn, error, silent (REGIONCTL_LOG_LEVEL)',
  help: 'this help',
};

const COMMAND_HELP: Record<string, { usage: string; summary: string }> = {
  diff: { usage: 'regionctl diff FILE [options]   (alias: plan)', summary: 'The dry run: the plan for FILE against the live state, printed; nothing is applied.\nExit codes: 0 no changes, 2 changes (with --detailed-exitcode), 3 plan refused by a guardrail, 1 error.' },
  apply: { usage: 'regionctl apply FILE [options]', summary: 'Shows the plan, asks (unless --yes), converges.\nExit codes: 0 converged or nothing to do, 3 plan refused by a guardrail (nothing changed), 1 error or failed step.' },
  'prune-regionset': {
    usage: 'regionctl prune-regionset NAME --zone ZONE --manifests GLOB [options]',
    summary: 'Removes what an orphaned RegionSet (no manifest declares it any more) still owns: records,\nhealth checks, stacks and its inventory; table replicas are kept.\nExit codes: 0 done, 3 refused by a guardrail, 1 error or refused.',
  },
  run: { usage: 'regionctl run [options]', summary: 'The GitOps controller: follows a git branch, reconciles every RegionSet on start-up, push\nwebhooks, resyncs and manual triggers, and serves /healthz /readyz /metrics /status.\nEach setting is an environment variable; the flag beside it wins. Bad configuration: one line, exit 1.' },
};

/** Settings of `regionctl run`, with their defaults (secrets are environment-only). */
export const RUN_SETTINGS: ReadonlyArray<[variable: string, defaultValue: string, meaning: string]> = [
  ['REGIONCTL_GIT_URL', '(required)', 'repository URL (https, http, ssh, git, file, user@host:path) or a local directory'],
  ['REGIONCTL_GIT_BRANCH', 'main', 'branch to follow'],
  ['REGIONCTL_GIT_TOKEN', '', 'HTTPS token, sent as a header (never in the URL)'],
  ['REGIONCTL_GIT_TOKEN_USERNAME', 'x-access-token', 'user name paired with the token (oauth2 for GitLab)'],
  ['REGIONCTL_GIT_SSH_KEY_FILE', '', 'SSH deploy key'],
  ['REGIONCTL_GIT_SSH_KNOWN_HOSTS', '', 'known_hosts file for SSH'],
  ['REGIONCTL_GIT_DIR', 'a new temp dir', 'working copy of a remote'],
  ['REGIONCTL_MANIFESTS', 'manifests/*.yaml', 'manifest glob, relative to the repository root'],
  ['REGIONCTL_MODE', 'apply', 'apply converges; plan-only reports drift and never writes'],
  ['REGIONCTL_RESYNC', '*/5 * * * *', 'cron expression or interval (5m); off disables'],
  ['REGIONCTL_WEBHOOK_SECRET_GITHUB', '', 'secret of GitHub push webhooks'],
  ['REGIONCTL_WEBHOOK_SECRET_GITLAB', '', 'secret token of GitLab push webhooks'],
  ['REGIONCTL_WEBHOOK_SECRET_GENERIC', '', 'HMAC-SHA256 secret of generic webhooks'],
  ['REGIONCTL_TRIGGER_TOKEN', '', 'bearer token of POST /trigger, /suspend, /resume (404 without it)'],
  ['REGIONCTL_LISTEN', '0.0.0.0:8080', 'HTTP address'],
  ['REGIONCTL_SUSPEND', '', 'RegionSets suspended from the start'],
  ['REGIONCTL_LEASE_TABLE', '', 'DynamoDB table of leader leases: several replicas, one applies'],
  ['REGIONCTL_LEASE_SECONDS', '30', 'lease duration'],
  ['REGIONCTL_LEASE_REGION', 'AWS_REGION', 'region of the lease table'],
  ['REGIONCTL_INSTANCE_ID', 'hostname-pid', 'replica id'],
  ['REGIONCTL_SHUTDOWN_TIMEOUT', '30s', 'on SIGTERM, how long running steps may finish'],
  ['REGIONCTL_CONCURRENCY', '4', 'RegionSets reconciled at once'],
  ['REGIONCTL_SANDBOX', '', 'use the sandbox state file instead of AWS'],
  ['REGIONCTL_SANDBOX_SPEED', '100', 'sandbox time speed-up'],
  ['REGIONCTL_SANDBOX_LOCK_WAIT_MS', '60000', 'wait for another holder of the sandbox file\'s lock'],
  ['REGIONCTL_PARAMETER_DIGEST_KEY', '', 'key of the NoEcho parameter digests in stack tags'],
  ['REGIONCTL_POLL_INTERVAL_MS', '', 'shorten every wait between AWS status polls (emulators)'],
  ['REGIONCTL_REQUEST_TIMEOUT_MS', '30000', 'AWS request timeout'],
  ['REGIONCTL_LOG_LEVEL', 'info', 'trace, debug, info, warn, error, silent'],
];

export function commandHelp(command: string, options: Record<string, unknown>): string {
  const about = COMMAND_HELP[command] ?? { usage: `regionctl ${command} [options]`, summary: '' };
  const flags = Object.keys({ ...options, help: true }).sort();
  const lines = flags.map((flag) => {
    const [argument, ...rest] = (FLAG_HELP[flag] ?? '(undocumented)').split('  ');
    const described = rest.length > 0 ? { name: `--${flag} ${argument}`, text: rest.join('  ') } : { name: `--${flag}`, text: argument! };
    return `  ${described.name.padEnd(28)} ${described.text}`;
  });
  let text = `Usage: ${about.usage}\n\n${about.summary}\n\nOptions:\n${lines.join('\n')}\n`;
  if (command === 'run') {
    const width = Math.max(...RUN_SETTINGS.map(([variable]) => variable.length));
    text += `\nEnvironment (default in brackets):\n${RUN_SETTINGS.map(([variable, fallback, meaning]) => `  ${variable.padEnd(width)}  ${meaning}${fallback ? ` [${fallback}]` : ''}`).join('\n')}\n`;
  }
  return text;
}

/** The candidate closest to `given` by edit distance, when it is close enough to be a typo. */
export function didYouMean(given: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(given, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(given.length / 4)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
