// regionctl suspend|resume|history NAME and sync-window override NAME: the running
// controller's HTTP API (runtime/server.ts) from the command line. suspend, resume and the
// override need REGIONCTL_TRIGGER_TOKEN, the controller's bearer token; history reads GET
// /history. `regionctl status` (status.ts) and `regionctl drain` (drain.ts) share the
// address, the call and its errors.

import { outputFormat, parseCommandArgs, runCommand, UsageError } from './args.js';
import type { HistoryEntry } from '../providers/types.js';

type ControlCommand = 'suspend' | 'resume' | 'history' | 'sync-window';

export const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DEFAULT_CONTROLLER = 'http://127.0.0.1:8080';

export async function main(command: ControlCommand, argv: string[]): Promise<number> {
  return runCommand(command, async () => {
    const { values, positionals } = parseCommandArgs(command, argv);
    const opts = values as { controller?: string; reason?: string; by?: string; output?: string; for?: string };
    if (command === 'sync-window' && positionals.shift() !== 'override') throw new UsageError('expected "override NAME": regionctl sync-window override NAME --reason TEXT [--for 1h]');
    if (positionals.length !== 1 || !NAME.test(positionals[0]!)) throw new UsageError(`expected one RegionSet NAME such as global-api. Run "regionctl help ${command}"`);
    const name = positionals[0]!;
    const base = controllerUrl(opts.controller ?? DEFAULT_CONTROLLER);
    if (command === 'history') return history(base, name, outputFormat(opts.output, ['text', 'json']));

    const token = process.env['REGIONCTL_TRIGGER_TOKEN'];
    if (!token) throw new UsageError(`REGIONCTL_TRIGGER_TOKEN is not set: ${command} needs the controller's bearer token`);
    if (command !== 'resume' && !opts.reason?.trim()) throw new UsageError('--reason TEXT is required: say why, it is shown in /status and history');
    const by = opts.by ?? process.env['USER'] ?? 'regionctl';
    const path = command === 'sync-window' ? '/sync-window-override' : `/${command}`;
    const response = await call(base, `${path}?regionSet=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-regionctl-actor': by },
      body: JSON.stringify({ ...(opts.reason ? { reason: opts.reason } : {}), by, ...(opts.for ? { for: opts.for } : {}) }),
    });
    const body = (await response.json().catch(() => ({}))) as { error?: string; suspended?: boolean; syncWindowOverride?: { until: string } };
    if (!response.ok) return fail(command, `${base.origin} answered ${response.status}: ${body.error ?? response.statusText}`);
    if (body.syncWindowOverride) {
      process.stdout.write(`${name}: sync windows overridden by ${by} until ${body.syncWindowOverride.until}: ${opts.reason}; the controller applies now (recorded in history)\n`);
      return 0;
    }
    process.stdout.write(`${name} ${body.suspended ? 'suspended' : 'resumed'} by ${by}${opts.reason ? `: ${opts.reason}` : ''}\n`);
    return 0;
  });
}

async function history(base: URL, name: string, format: string): Promise<number> {
  const response = await call(base, `/history?regionSet=${name}`, {});
  const body = (await response.json().catch(() => ({}))) as { error?: string; regionSets?: Record<string, HistoryEntry[]> };
  if (!response.ok) return fail('history', `${base.origin} answered ${response.status}: ${body.error ?? response.statusText}`);
  const entries = body.regionSets?.[name] ?? [];
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) process.stdout.write(`no history for ${name}\n`);
  for (const entry of entries) process.stdout.write(`${line(entry)}\n`);
  return 0;
}

/** One line per entry: time, what happened, and who or what triggered it. */
function line(entry: HistoryEntry): string {
  const at = new Date(entry.at).toISOString();
  if (entry.kind !== 'reconcile') return `${at}  ${entry.kind.padEnd(12)}${entry.region ? ` ${entry.region}` : ''} by ${entry.by ?? '?'}${entry.reason ? `: ${entry.reason}` : ''}`;
  const steps = entry.steps ?? [];
  const failed = steps.filter((step) => step.outcome === 'failed').length;
  const detail = `${entry.plan?.steps ?? 0} steps${failed ? `, ${failed} failed` : ''}, ${((entry.durationMs ?? 0) / 1000).toFixed(1)} s`;
  return `${at}  ${(entry.outcome ?? '').padEnd(12)} ${(entry.revision ?? '').slice(0, 12).padEnd(12)}  ${detail}  (${entry.trigger})`;
}

export function controllerUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  throw new UsageError(`--controller must be an http(s) URL such as ${DEFAULT_CONTROLLER} (got "${text}")`);
}

export async function call(base: URL, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(new URL(path, base), { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new UsageError(`cannot reach the controller at ${base.origin} (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}): is "regionctl run" listening there? (--controller URL)`);
  }
}

export function fail(command: string, message: string): number {
  process.stderr.write(`regionctl ${command}: ${message}\n`);
  return 1;
}
