// Composition root of `regionctl run`: logger, metrics, source, target, leases, controller
// and HTTP server from one RuntimeConfig, and the one stop() that SIGTERM calls.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import type { Clock } from '../clock.js';
import { realClock } from '../clock.js';
import type { SandboxCloud } from '../providers/sandbox/index.js';
import type { ControlStore } from '../providers/types.js';
import type { RuntimeEvent } from '../notify/events.js';
import { Controller, type ManifestSource, type StopResult } from './controller.js';
import { AlwaysLeader, type Leases } from './leases.js';
import { createLogger, makeScrubber, MIN_SCRUBBED_SECRET_LENGTH, type Logger } from './logger.js';
import { ControllerMetrics } from './metrics.js';
import type { RunMode } from './outcome.js';
import { startServer, type RuntimeServer } from './server.js';
import { openTargets, type TargetFactory } from '../targets/index.js';
import type { NotifyConfig } from '../notify/config.js';

export interface RuntimeConfig {
  /** Git URL (https, ssh, git, file), a bare repository path, or a local directory read in place. */
  sourceUrl: string;
  branch: string;
  gitToken?: string;
  sshKeyFile?: string;
  /** Working copy of a remote source (default: a new temporary directory, removed on stop). */
  gitDir?: string;
  manifestGlob: string;
  mode: RunMode;
  /** Cron expression or interval (5m); false: no periodic resync. */
  resync: string | false;
  webhookSecrets: { github?: string; gitlab?: string; generic?: string };
  triggerToken?: string;
  host: string;
  port: number;
  /** Sandbox state file: use the sandbox instead of AWS. */
  sandbox?: string;
  sandboxSpeed?: number;
  /** AWS only: one endpoint for every service (else AWS_ENDPOINT_URL, read by the SDK). */
  endpointUrl?: string;
  /** AWS only: shared-config profile (--profile); AWS_PROFILE otherwise, as the SDK reads it. */
  profile?: string;
  /** AWS only: default region (--region): credentials are checked there. */
  region?: string;
  /** Leader leases (REGIONCTL_LEASE_TABLE...); absent: this replica leads every RegionSet. */
  leases?: { table: string; leaseMs: number; instanceId: string; region: string };
  logLevel: string;
  suspended: string[];
  shutdownTimeoutMs: number;
  /** Executor poll interval override (REGIONCTL_POLL_INTERVAL_MS, for emulators). */
  pollMs?: number;
  /** RegionSets reconciled at once. */
  concurrency?: number;
  /** Notification providers and routes (REGIONCTL_NOTIFY_CONFIG), secrets resolved. */
  notify?: NotifyConfig;
  /** History entries kept per RegionSet (REGIONCTL_HISTORY_LIMIT). */
  historyLimit?: number;
  /** Directory of the control state file without a lease table (REGIONCTL_STATE_DIR); default: next to the sandbox state. */
  stateDir?: string;
}

/** Test seams; production passes none. */
export interface RuntimeDependencies {
  logDestination?: DestinationStream;
  /** A fixed sandbox cloud instead of the state file. */
  sandboxCloud?: SandboxCloud;
  sandboxClock?: Clock;
  leases?: Leases;
  /** Shared control state (suspension, history) instead of the configured one. */
  control?: ControlStore;
  /** Told every event the notifier is told (the same one path: runtime/controller.ts `notify`). */
  onEvent?: (event: RuntimeEvent) => void;
  /** The controller's wall clock and timers (retries, drain expiry, the wake-up at a sync window's end); default: real time, tests drive a FakeClock. */
  clock?: Clock;
  /** Replaces the git source (tests gate or fail syncs). */
  source?: ManifestSource;
  /** Replaces the cron resync (tests fire ticks themselves). */
  startResync?: (onTick: () => void) => { stop(): void };
}

export interface Runtime {
  controller: Controller;
  server: RuntimeServer;
  logger: Logger;
  /** Graceful shutdown: stop taking events, let running steps finish (bounded), release leases, close. Idempotent. */
  stop(): Promise<StopResult>;
}

export async function startRuntime(config: RuntimeConfig, deps: RuntimeDependencies = {}): Promise<Runtime> {
  const secrets = [config.gitToken, config.triggerToken, config.webhookSecrets.github, config.webhookSecrets.gitlab, config.webhookSecrets.generic, ...(config.notify?.secrets ?? [])];
  const logger = createLogger({ level: config.logLevel, secrets, ...(deps.logDestination ? { destination: deps.logDestination } : {}) });
  if (secrets.some((secret) => secret !== undefined && secret.length > 0 && secret.length < MIN_SCRUBBED_SECRET_LENGTH)) {
    logger.warn(`a configured token or webhook secret is shorter than ${MIN_SCRUBBED_SECRET_LENGTH} characters: too short to be scrubbed from free text; use a long random value`);
  }
  const scrub = makeScrubber(secrets);
  const metrics = new ControllerMetrics();
  const onCall = (call: { service: string; operation: string; outcome: string }) => metrics.recordAwsCall(call);

  if (config.sandbox === undefined && !deps.sandboxCloud) {
    // The SDK's Node 20 deprecation notice goes to stderr as plain text, between JSON log lines; nothing an operator can act on here.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  }
  const targets: TargetFactory = await openTargets(
    config.sandbox !== undefined || deps.sandboxCloud
      ? { kind: 'sandbox', ...(config.sandbox !== undefined ? { path: config.sandbox } : {}), ...(config.sandboxSpeed !== undefined ? { speed: config.sandboxSpeed } : {}) }
      : {
          kind: 'aws',
          ...(config.endpointUrl !== undefined ? { endpointUrl: config.endpointUrl } : {}),
          ...(config.pollMs !== undefined ? { changeSetPollMs: config.pollMs } : {}),
          ...(config.profile !== undefined ? { profile: config.profile } : {}),
          ...(config.region !== undefined ? { region: config.region } : {}),
        },
    {
      ...(deps.sandboxCloud ? { cloud: deps.sandboxCloud } : {}),
      ...(deps.sandboxClock ? { clock: deps.sandboxClock } : {}),
      onCall,
      onLockNotice: (message) => logger.warn(message),
    },
  );
  await targets.checkCredentials?.(config.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1');

  const { GitSource, listManifests } = await import('../source/git.js');
  const ownGitDir = config.gitDir === undefined && !deps.source ? await mkdtemp(path.join(tmpdir(), 'regionctl-source-')) : undefined;
  const gitSource = new GitSource({
    url: config.sourceUrl,
    branch: config.branch,
    dir: config.gitDir ?? ownGitDir ?? '',
    ...(config.gitToken ? { token: config.gitToken } : {}),
    ...(config.sshKeyFile ? { sshKeyFile: config.sshKeyFile } : {}),
  });
  const source: ManifestSource = deps.source ?? gitSource;

  let leases: Leases & { close?(): void } = deps.leases ?? new AlwaysLeader();
  if (!deps.leases && config.leases) {
    // Loaded only with a lease table: it brings the AWS SDK.
    const { openDynamoLeases } = await import('./lease.js');
    leases = await openDynamoLeases(config.leases, {
      ...(config.endpointUrl !== undefined ? { endpointUrl: config.endpointUrl } : {}),
      ...(config.profile !== undefined ? { profile: config.profile } : {}),
      onCall: (call) => metrics.recordLeaseCall(call),
      onLost: (regionSet) => logger.warn({ regionSet }, 'lease lost to another replica: no longer applying'),
      onError: (regionSet, error) => logger.warn({ regionSet, err: error }, 'lease renewal failed; keeping it until it expires'),
    });
  }

  const control = deps.control ? { store: deps.control, close() {} } : await openControlStore(config, (call) => metrics.recordLeaseCall(call));

  const startResync =
    deps.startResync ??
    (config.resync === false
      ? undefined
      : await (async () => {
          const { startResync: start } = await import('../../handlers/cron.js');
          const schedule = config.resync as string;
          return (onTick: () => void) => start(schedule, onTick);
        })());

  let notifier: import('../notify/notifier.js').Notifier | undefined;
  if (config.notify) {
    const { Notifier } = await import('../notify/notifier.js');
    notifier = new Notifier({
      providers: config.notify.providers,
      routes: config.notify.routes,
      logger: logger.child({ component: 'notify' }),
      record: (provider, event, outcome) => metrics.recordNotification(provider, event, outcome),
    });
  }

  const controller = new Controller({
    source,
    sourceUrl: gitSource.displayUrl,
    branch: config.branch,
    listManifests,
    manifestGlob: config.manifestGlob,
    mode: config.mode,
    targets,
    leases,
    logger,
    metrics,
    scrub,
    suspended: config.suspended,
    ...(control ? { control: control.store } : {}),
    ...(config.historyLimit !== undefined ? { historyLimit: config.historyLimit } : {}),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    ...(config.pollMs !== undefined ? { pollMs: config.pollMs } : {}),
    ...(config.concurrency !== undefined ? { concurrency: config.concurrency } : {}),
    // First retry after an error within a third of the lease; followers look again when the holder's lease ends.
    ...(config.leases ? { retryMs: Math.max(1_000, Math.floor(config.leases.leaseMs / 3)) } : {}),
    ...(startResync ? { startResync } : {}),
    ...(notifier || deps.onEvent ? { notify: (event: RuntimeEvent) => (notifier?.emit(event), deps.onEvent?.(event)) } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });

  let server: RuntimeServer;
  try {
    server = await startServer(controller, {
      host: config.host,
      port: config.port,
      webhook: { branch: config.branch, secrets: config.webhookSecrets },
      ...(config.triggerToken ? { triggerToken: config.triggerToken } : {}),
      logger,
    });
  } catch (error) {
    leases.close?.();
    control?.close();
    targets.close();
    if (ownGitDir) await rm(ownGitDir, { recursive: true, force: true });
    throw error;
  }
  controller.start();

  let stopping: Promise<StopResult> | undefined;
  const stop = (): Promise<StopResult> => {
    stopping ??= (async () => {
      server.stopAccepting();
      const result = await controller.stop();
      // The last events (an apply that finished during the stop) get a few seconds to go out.
      await notifier?.close(5_000);
      leases.close?.();
      control?.close();
      await server.close();
      if (ownGitDir) await rm(ownGitDir, { recursive: true, force: true }).catch(() => {});
      return result;
    })();
    return stopping;
  };
  return { controller, server, logger, stop };
}

/**
 * Where suspension and history live: the lease table's items on AWS (every replica sees
 * them), else a file (REGIONCTL_STATE_DIR, or next to the sandbox state), else memory.
 */
async function openControlStore(config: RuntimeConfig, onCall: (call: { service: string; operation: string; outcome: string }) => void): Promise<{ store: ControlStore; close(): void } | undefined> {
  if (config.leases) {
    const { openAwsControlStore } = await import('../providers/aws/control.js');
    return openAwsControlStore({ table: config.leases.table, region: config.leases.region, ...(config.endpointUrl !== undefined ? { endpointUrl: config.endpointUrl } : {}), onCall });
  }
  const file = config.stateDir !== undefined ? path.join(config.stateDir, 'regionctl-control.json') : config.sandbox !== undefined ? `${config.sandbox}.control.json` : undefined;
  if (file === undefined) return undefined;
  const { SandboxFileControlStore } = await import('../providers/sandbox/control.js');
  return { store: new SandboxFileControlStore(file), close() {} };
}
