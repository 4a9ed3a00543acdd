// regionctl run: the long-running GitOps controller. It follows one branch of a git
// repository (or a local directory), reconciles every RegionSet manifest on start-up, on
// push webhooks, on a periodic resync and on manual triggers, and serves /healthz,
// /readyz, /metrics, /status on HTTP. SIGTERM/SIGINT: graceful stop, exit 0.
//
// Configuration: environment variables, each also settable by the flag beside it (the flag
// wins). Secrets are environment-only, so they never show in `ps`.
// `regionctl run --help` prints them from the command table (table.ts: COMMANDS.run.env);
// test/cli/help.test.ts fails when a REGIONCTL_* name used here or in the README is missing there.
//
//   REGIONCTL_GIT_URL            --source URL|PATH   required. https://…, ssh://…, git@host:org/repo.git,
//                                                    git://…, file://…, a bare repository path, or a local
//                                                    directory read in place (its revision: HEAD if it is a
//                                                    git work tree, else a hash of its files); git's
//                                                    <transport>::<address> forms (ext::, fd::) and other
//                                                    schemes are refused at start-up
//   REGIONCTL_GIT_BRANCH         --branch NAME       branch to follow (default main)
//   REGIONCTL_GIT_TOKEN                              HTTPS token (sent as a Basic-auth header, never in the URL)
//   REGIONCTL_GIT_SSH_KEY_FILE   --ssh-key-file PATH private key of an SSH deploy key
//   REGIONCTL_GIT_DIR            --git-dir PATH      working copy of a remote (default: a new temp dir per process)
//   REGIONCTL_MANIFESTS          --manifests GLOB    manifest files, relative to the repository root
//                                                    (default manifests/*.yaml); other tools' YAML (an
//                                                    apiVersion not regionctl/…) is skipped
//   REGIONCTL_MODE               --mode MODE         apply (default: converge) or plan-only (report drift, never write)
//   REGIONCTL_RESYNC             --resync SCHEDULE   periodic sync + reconcile, which also catches drift: a cron
//                                                    expression or an interval such as 5m, 30s (default
//                                                    */5 * * * *, every 5 minutes); "off" disables it
//   REGIONCTL_WEBHOOK_SECRET_GITHUB                  secret of GitHub push webhooks (X-Hub-Signature-256)
//   REGIONCTL_WEBHOOK_SECRET_GITLAB                  secret token of GitLab push webhooks (X-Gitlab-Token)
//   REGIONCTL_WEBHOOK_SECRET_GENERIC                 HMAC-SHA256 secret of generic webhooks (X-Signature-256)
//                                                    (a sender without a secret is refused with 401)
//   REGIONCTL_TRIGGER_TOKEN                          bearer token of POST /trigger, /suspend, /resume, /drain
//                                                    (without it those endpoints answer 404)
//   REGIONCTL_LISTEN             --listen HOST:PORT  HTTP address (default 0.0.0.0:8080; port 0 picks a free one)
//   REGIONCTL_SUSPEND            --suspend A,B       RegionSets suspended from the start (resume with POST /resume)
//   REGIONCTL_SANDBOX            --sandbox PATH      use the built-in sandbox cloud kept in this JSON state file
//                                                    instead of AWS (shared with `regionctl apply --sandbox PATH`)
//   REGIONCTL_SANDBOX_SPEED      --sandbox-speed N   sandbox time runs N times faster than real time (default 100)
//   AWS_ENDPOINT_URL             --endpoint-url URL  send every AWS call there (emulators); read by the AWS SDK
//   AWS_PROFILE                  --profile NAME      shared-config profile of the SDK's credential chain
//   AWS_REGION                   --region CODE       default region: credentials checked there, the lease table's
//   AWS_ACCESS_KEY_ID, …                             usual AWS SDK credentials and settings
//   REGIONCTL_POLL_INTERVAL_MS                       shorten every wait between AWS status polls (emulators)
//   REGIONCTL_LEASE_TABLE                            DynamoDB table of leader leases (partition key pk, S): with
//                                                    it, several replicas share the RegionSets and only a lease
//                                                    holder applies; without it, run one replica
//   REGIONCTL_LEASE_SECONDS, REGIONCTL_INSTANCE_ID, REGIONCTL_LEASE_REGION   lease duration (30), replica id
//                                                    (hostname-pid), region of the table (--region, else AWS_REGION)
//   REGIONCTL_SHUTDOWN_TIMEOUT   --shutdown-timeout D  how long running steps may take to finish on SIGTERM
//                                                    (default 30s; 45s, 2m, or a number of seconds)
//   REGIONCTL_CONCURRENCY        --concurrency N     RegionSets reconciled at once (default 4)
//   REGIONCTL_NOTIFY_CONFIG                          YAML file of notification providers (webhook, Slack, GitHub
//                                                    commit status) and per-RegionSet routes (README: Notifications)
//   REGIONCTL_GITHUB_TOKEN                           token of the GitHub commit-status provider (repo:status)
//   REGIONCTL_LOG_LEVEL          --log-level LEVEL   trace, debug, info (default), warn, error, silent
//
// Bad configuration is one line on stderr and exit code 1.

import { parseCommandArgs, runCommand, UsageError } from './args.js';
import { COMMANDS } from './table.js';
import { checkRegionFlag, pollIntervalFromEnvironment } from './target.js';
import type { RuntimeConfig } from '../runtime/main.js';

/** The flags of `run`, from the command table (its help lists them with the variables). */
const FLAGS = COMMANDS.run.flags;

const DEFAULT_MANIFEST_GLOB = 'manifests/*.yaml';
const DEFAULT_LISTEN = '0.0.0.0:8080';
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export async function main(argv: string[]): Promise<number> {
  return runCommand('run', async () => {
    const { values, positionals } = parseCommandArgs('run', argv);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"; the source is REGIONCTL_GIT_URL or --source`);
    const config = await configFrom(values, process.env);

    const { startRuntime } = await import('../runtime/main.js');
    let runtime: Awaited<ReturnType<typeof startRuntime>>;
    try {
      runtime = await startRuntime(config);
    } catch (error) {
      throw new UsageError(startupMessage(error, config));
    }

    return new Promise<number>((resolve) => {
      let signalled = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (signalled) {
          runtime.logger.warn({ signal }, 'already shutting down');
          return;
        }
        signalled = true;
        runtime.logger.info({ signal }, 'signal received');
        void runtime.stop().then(
          () => {
            resolve(0);
            // Anything left holding the event loop (a socket, an SDK agent) must not keep a stopped controller alive.
            setTimeout(() => process.exit(0), 1_000).unref();
          },
          (error: unknown) => {
            runtime.logger.error({ err: error }, 'shutdown failed');
            resolve(0);
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
  });
}

type Values = { [K in keyof typeof FLAGS]?: string | undefined };

/** Flags over environment over defaults; every mistake is a UsageError naming the setting. */
export async function configFrom(values: Values, env: NodeJS.ProcessEnv): Promise<RuntimeConfig> {
  const pick = (flag: keyof typeof FLAGS, name: string): string | undefined => {
    const value = values[flag] ?? env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const secret = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

  const sourceUrl = pick('source', 'REGIONCTL_GIT_URL');
  if (!sourceUrl) throw new UsageError('no source: set REGIONCTL_GIT_URL (or --source) to a git URL or a local directory of manifests');
  const { gitUrlProblem, redactUrl } = await import('../source/git.js');
  const urlProblem = sourceUrl.startsWith('-') ? 'starts with "-", which git would read as an option' : gitUrlProblem(sourceUrl);
  if (urlProblem) throw new UsageError(`REGIONCTL_GIT_URL (or --source) "${redactUrl(sourceUrl)}" ${urlProblem}`);

  const mode = pick('mode', 'REGIONCTL_MODE') ?? 'apply';
  if (mode !== 'apply' && mode !== 'plan-only') throw new UsageError(`REGIONCTL_MODE must be apply or plan-only (got "${mode}")`);

  const resyncText = pick('resync', 'REGIONCTL_RESYNC');
  let resync: string | false;
  if (resyncText !== undefined && ['off', 'false', 'none', '0'].includes(resyncText.toLowerCase())) resync = false;
  else {
    const { DEFAULT_RESYNC_SCHEDULE, parseResyncSchedule } = await import('../../handlers/cron.js');
    resync = resyncText ?? DEFAULT_RESYNC_SCHEDULE;
    try {
      parseResyncSchedule(resync);
    } catch (error) {
      throw new UsageError(`REGIONCTL_RESYNC: ${(error as Error).message}`);
    }
  }

  const { host, port } = parseListen(pick('listen', 'REGIONCTL_LISTEN') ?? DEFAULT_LISTEN);

  const sandbox = pick('sandbox', 'REGIONCTL_SANDBOX');
  const speedText = pick('sandbox-speed', 'REGIONCTL_SANDBOX_SPEED');
  const sandboxSpeed = speedText === undefined ? undefined : Number(speedText);
  if (sandboxSpeed !== undefined && !(Number.isFinite(sandboxSpeed) && sandboxSpeed > 0)) {
    throw new UsageError(`REGIONCTL_SANDBOX_SPEED must be a positive number (got "${speedText}")`);
  }
  if (sandboxSpeed !== undefined && sandbox === undefined) throw new UsageError('REGIONCTL_SANDBOX_SPEED needs REGIONCTL_SANDBOX (the sandbox state file)');
  const endpointUrl = values['endpoint-url']?.trim() || undefined;
  if (endpointUrl !== undefined && !/^https?:\/\/[^/]/.test(endpointUrl)) throw new UsageError(`--endpoint-url must be an http:// or https:// URL (got "${endpointUrl}")`);
  if (endpointUrl !== undefined && sandbox !== undefined) throw new UsageError('--endpoint-url applies to AWS, not to the sandbox');
  const profile = values.profile?.trim() || undefined;
  const region = values.region?.trim() || undefined;
  if ((profile !== undefined || region !== undefined) && sandbox !== undefined) throw new UsageError('--profile and --region apply to AWS, not to the sandbox');
  if (region !== undefined) checkRegionFlag(region);

  const logLevel = (pick('log-level', 'REGIONCTL_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`REGIONCTL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  const shutdownText = pick('shutdown-timeout', 'REGIONCTL_SHUTDOWN_TIMEOUT');
  const shutdownTimeoutMs = shutdownText === undefined ? 30_000 : await parseSeconds(shutdownText, 'REGIONCTL_SHUTDOWN_TIMEOUT');

  const concurrencyText = pick('concurrency', 'REGIONCTL_CONCURRENCY');
  const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new UsageError(`REGIONCTL_CONCURRENCY must be a whole number of at least 1 (got "${concurrencyText}")`);
  }

  const manifestGlob = pick('manifests', 'REGIONCTL_MANIFESTS') ?? DEFAULT_MANIFEST_GLOB;
  if (manifestGlob.startsWith('/') || manifestGlob.split(/[\\/]/).includes('..')) {
    throw new UsageError(`REGIONCTL_MANIFESTS must be a glob relative to the repository root, such as ${DEFAULT_MANIFEST_GLOB} (got "${manifestGlob}")`);
  }

  const branch = pick('branch', 'REGIONCTL_GIT_BRANCH') ?? 'main';
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.startsWith('-') || branch.includes('..')) throw new UsageError(`REGIONCTL_GIT_BRANCH "${branch}" is not a branch name`);

  let leases: RuntimeConfig['leases'];
  if (env['REGIONCTL_LEASE_TABLE']?.trim()) {
    // Also with the sandbox: replicas sharing one state file take turns as on AWS (the file is
    // reloaded per reconcile and saved per write); the table itself is DynamoDB (AWS_ENDPOINT_URL for an emulator).
    const { leaseSettingsFromEnvironment } = await import('../runtime/lease.js');
    try {
      // --region is the lease table's region unless REGIONCTL_LEASE_REGION names one.
      leases = leaseSettingsFromEnvironment(region !== undefined && !env['REGIONCTL_LEASE_REGION']?.trim() ? { ...env, REGIONCTL_LEASE_REGION: region } : env);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }

  const suspended = (pick('suspend', 'REGIONCTL_SUSPEND') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);

  let notify: RuntimeConfig['notify'];
  const notifyFile = env['REGIONCTL_NOTIFY_CONFIG']?.trim();
  if (notifyFile) {
    const { loadNotifyConfig, formatIssue } = await import('../notify/config.js');
    const loaded = await loadNotifyConfig(notifyFile, { env, sourceUrl });
    if (!loaded.ok) throw new UsageError(`REGIONCTL_NOTIFY_CONFIG is not valid:\n${loaded.errors.map(formatIssue).join('\n')}`);
    notify = loaded.value;
  }
  const historyText = env['REGIONCTL_HISTORY_LIMIT']?.trim();
  const historyLimit = historyText ? Number(historyText) : undefined;
  if (historyLimit !== undefined && !(Number.isInteger(historyLimit) && historyLimit >= 1 && historyLimit <= 500)) {
    throw new UsageError(`REGIONCTL_HISTORY_LIMIT must be a whole number from 1 to 500 (got "${historyText}")`);
  }
  const stateDir = env['REGIONCTL_STATE_DIR']?.trim() || undefined;

  const pollMs = pollIntervalFromEnvironment();
  const sshKeyFile = pick('ssh-key-file', 'REGIONCTL_GIT_SSH_KEY_FILE');
  const gitDir = pick('git-dir', 'REGIONCTL_GIT_DIR');
  const gitToken = secret('REGIONCTL_GIT_TOKEN');
  const triggerToken = secret('REGIONCTL_TRIGGER_TOKEN');
  const webhookSecrets: RuntimeConfig['webhookSecrets'] = {};
  if (secret('REGIONCTL_WEBHOOK_SECRET_GITHUB')) webhookSecrets.github = secret('REGIONCTL_WEBHOOK_SECRET_GITHUB')!;
  if (secret('REGIONCTL_WEBHOOK_SECRET_GITLAB')) webhookSecrets.gitlab = secret('REGIONCTL_WEBHOOK_SECRET_GITLAB')!;
  if (secret('REGIONCTL_WEBHOOK_SECRET_GENERIC')) webhookSecrets.generic = secret('REGIONCTL_WEBHOOK_SECRET_GENERIC')!;

  return {
    sourceUrl,
    branch,
    manifestGlob,
    mode,
    resync,
    webhookSecrets,
    host,
    port,
    logLevel,
    suspended,
    shutdownTimeoutMs,
    ...(gitToken ? { gitToken } : {}),
    ...(sshKeyFile ? { sshKeyFile } : {}),
    ...(gitDir ? { gitDir } : {}),
    ...(triggerToken ? { triggerToken } : {}),
    ...(sandbox !== undefined ? { sandbox } : {}),
    ...(sandboxSpeed !== undefined ? { sandboxSpeed } : {}),
    ...(endpointUrl !== undefined ? { endpointUrl } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(leases ? { leases } : {}),
    ...(pollMs !== undefined ? { pollMs } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(notify ? { notify } : {}),
    ...(historyLimit !== undefined ? { historyLimit } : {}),
    ...(stateDir !== undefined ? { stateDir } : {}),
  };
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) throw new UsageError(`REGIONCTL_LISTEN must be HOST:PORT such as ${DEFAULT_LISTEN} or 127.0.0.1:0 (got "${text}")`);
  return { host: match[1] || match[2] || '0.0.0.0', port };
}

async function parseSeconds(text: string, name: string): Promise<number> {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const { parseDuration } = await import('../manifest/duration.js');
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${name} must be a duration such as 30s or 2m, or a number of seconds (got "${text}")`);
  return ms;
}

/** Start-up failures a person fixes (port taken, no credentials, bad source) as one line. */
function startupMessage(error: unknown, config: RuntimeConfig): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `cannot listen on ${config.host}:${config.port}: the address is in use (set REGIONCTL_LISTEN)`;
  if (code === 'EACCES') return `cannot listen on ${config.host}:${config.port}: permission denied (use a port above 1023)`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${config.host}:${config.port}: no such local address`;
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return message;
}
