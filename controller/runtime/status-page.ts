// The status page at GET /: the /status document and recent /history as one server-rendered
// HTML page. No build step and no external asset: inline CSS only, no script; it reloads
// itself with <meta http-equiv=refresh> (every 10 s, or ?refresh=N). Every value is
// HTML-escaped by the `html` tag below (manifest names, reasons and commit messages are
// user input); the server sends it with a Content-Security-Policy that allows the page's
// own <style> block and nothing else (pageHeaders).

import type { HistoryEntry } from '../providers/types.js';
import { ageText, weightText, type Condition, type ControllerStatus, type RegionSetStatus, type RegionStatus } from './status.js';

/** Sync windows as the freeze-window feature adds them to a RegionSet (shown when present). */
export interface SyncWindowView {
  kind: string;
  schedule: string;
  duration: string;
  timeZone: string;
  description?: string;
  active: boolean;
  nextChange?: string;
}

type RegionSetView = RegionSetStatus & { syncWindows?: SyncWindowView[]; syncWindowOpen?: boolean };

export interface StatusPageInput {
  status: ControllerStatus;
  history: Record<string, HistoryEntry[]>;
  /** The history could not be read (the page is shown without it). */
  historyError?: string;
  /** Wall clock of the page (relative times). */
  now: number;
  /** Seconds between reloads. */
  refreshSeconds: number;
}

/** History entries shown per RegionSet, newest first. */
const HISTORY_SHOWN = 10;
export const DEFAULT_REFRESH_SECONDS = 10;

/** ?refresh=N (1–3600 s), else the default. */
export function refreshSeconds(query: URLSearchParams): number {
  const value = Number(query.get('refresh'));
  return Number.isInteger(value) && value >= 1 && value <= 3600 ? value : DEFAULT_REFRESH_SECONDS;
}

/** Response headers of the page; `nonce` is the one its <style> carries. */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

// ---- escaping ----------------------------------------------------------------------

/** Markup built by `html`: interpolated into another `html` as it is. */
class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Value = Markup | string | number | boolean | undefined | null | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A template whose every interpolated value is escaped, unless it is markup from `html` itself. */
function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let text = strings[0]!;
  values.forEach((value, i) => (text += render(value) + strings[i + 1]!));
  return new Markup(text);
}

// ---- the page ----------------------------------------------------------------------

export function renderStatusPage(input: StatusPageInput, nonce: string): string {
  const { status, now } = input;
  const sets = Object.values(status.regionSets) as RegionSetView[];
  const source = status.source;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${input.refreshSeconds}">
<title>regionctl status${sets.length === 1 ? ` — ${sets[0]!.name}` : ''}</title>
<style nonce="${nonce}">${new Markup(CSS)}</style>
</head>
<body>
<header>
<h1>regionctl</h1>
<p class="source">${source.url}${source.branch ? html` <span class="muted">(${source.branch})</span>` : ''}
 ${source.observedRevision ? html`at <code>${source.observedRevision.slice(0, 12)}</code>, synced ${when(source.observedAt, now)}` : 'not synced yet'}
 · mode ${status.mode}${status.ready ? '' : html` · <span class="badge bad">not ready</span>`}</p>
${input.historyError ? html`<p class="error">History could not be read: ${input.historyError}</p>` : ''}
${source.lastError ? html`<p class="error">Last sync failed ${when(source.lastError.at, now)} (${source.consecutiveFailures} in a row): ${source.lastError.message}</p>` : ''}
<p class="muted small">Reloads every ${input.refreshSeconds} s · rendered ${new Date(now).toISOString()}</p>
</header>
<main>
${sets.length === 0 ? html`<p>No RegionSets yet.</p>` : sets.map((set) => regionSetSection(set, input.history[set.name] ?? [], now))}
</main>
</body>
</html>
`.text;
}

function regionSetSection(set: RegionSetView, history: HistoryEntry[], now: number): Markup {
  return html`<section class="regionset" id="rs-${set.name}">
<h2>${set.name} <span class="muted small">${set.file}</span></h2>
<p class="conditions">${set.conditions.map(conditionBadge)}</p>
<dl class="facts">
<dt>Applied</dt><dd>${set.lastAppliedRevision ? html`<code>${set.lastAppliedRevision.slice(0, 12)}</code>` : '—'}</dd>
<dt>Last reconcile</dt><dd>${set.lastOutcome ?? '—'} ${when(set.lastReconcileTime, now)}${set.lastReconcileId ? html` <span class="muted">(${set.lastReconcileId})</span>` : ''}</dd>
<dt>Leader</dt><dd>${set.leader === undefined ? '—' : set.leader ? 'this replica' : 'another replica'}</dd>
</dl>
${set.suspended ? html`<p class="notice warn">Suspended${set.suspension ? html` by ${set.suspension.by} ${when(set.suspension.at, now)}: ${set.suspension.reason}` : ''}</p>` : ''}
${set.lastError ? html`<p class="notice bad">${set.lastError.reason} ${when(set.lastError.at, now)}: ${set.lastError.message}</p>` : ''}
${syncWindows(set)}
${regionsTable(set.regions, now)}
${lastPlan(set, now)}
${historyList(history, now)}
</section>
`;
}

function conditionBadge(condition: Condition): Markup | string {
  if (condition.type !== 'Ready' && condition.status !== 'True') return '';
  const tone = condition.type === 'Ready' ? (condition.status === 'True' ? 'good' : condition.status === 'False' ? 'bad' : 'muted') : condition.type === 'DriftDetected' ? 'warn' : 'bad';
  const label = condition.type === 'Ready' ? (condition.status === 'True' ? 'Ready' : condition.status === 'False' ? `Not ready: ${condition.reason}` : 'Ready unknown') : condition.type;
  return html`<span class="badge ${tone}" title="${condition.message}">${label}</span> `;
}

function syncWindows(set: RegionSetView): Markup | string {
  if (!set.syncWindows || set.syncWindows.length === 0) return '';
  return html`<h3>Sync windows ${set.syncWindowOpen === undefined ? '' : set.syncWindowOpen ? html`<span class="badge good">open</span>` : html`<span class="badge warn">closed</span>`}</h3>
<div class="scroll"><table class="windows"><thead><tr><th>Kind</th><th>Schedule</th><th>Duration</th><th>Time zone</th><th>Now</th><th>Next change</th></tr></thead><tbody>
${set.syncWindows.map(
  (w) => html`<tr><td>${w.kind}</td><td><code>${w.schedule}</code>${w.description ? html`<br><span class="muted">${w.description}</span>` : ''}</td><td>${w.duration}</td><td>${w.timeZone}</td><td>${w.active ? html`<span class="badge warn">active</span>` : 'inactive'}</td><td>${w.nextChange ?? '—'}</td></tr>`,
)}
</tbody></table></div>
`;
}

const TRAFFIC_TONE: Record<string, string> = { serving: 'good', joining: 'warn', draining: 'warn', leaving: 'warn', standby: 'muted', drained: 'muted' };
const HEALTH_TONE: Record<string, string> = { healthy: 'good', unhealthy: 'bad', unknown: 'muted' };

function regionsTable(regions: Record<string, RegionStatus>, now: number): Markup {
  const entries = Object.entries(regions);
  if (entries.length === 0) return html`<p class="muted">No regions planned yet.</p>`;
  return html`<h3>Regions</h3>
<div class="scroll"><table class="regions"><thead><tr><th>Region</th><th>Traffic</th><th>Weight</th><th>Health</th><th>Manifest</th><th>Last plan</th></tr></thead><tbody>
${entries.map(
  ([code, region]) => html`<tr data-region="${code}"><td><code>${code}</code></td><td><span class="badge ${TRAFFIC_TONE[region.traffic] ?? 'muted'}">${region.traffic ?? '—'}</span></td><td class="num">${weight(region.weight)}</td><td>${region.health ? html`<span class="badge ${HEALTH_TONE[region.health] ?? 'muted'}">${region.health}</span> <span class="muted small">${when(region.healthObservedAt, now)}</span>` : '—'}</td><td>${region.desiredState}</td><td>${region.lastTransition}${stepCounts(region.lastPlanSteps) ? html` <span class="muted small">${stepCounts(region.lastPlanSteps)}</span>` : ''}</td></tr>`,
)}
</tbody></table></div>
`;
}

function weight(value: RegionStatus['weight']): Markup | string {
  const text = weightText(value);
  const detail = text.indexOf(' (');
  if (!value) return '—';
  return detail === -1 ? text : html`${text.slice(0, detail)} <span class="muted small">${text.slice(detail + 1)}</span>`;
}

function stepCounts(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([action, count]) => `${count} ${action}`)
    .join(', ');
}

function lastPlan(set: RegionSetView, now: number): Markup {
  const plan = set.lastPlan;
  if (!plan) return html`<h3>Last plan</h3><p class="muted">None yet.</p>`;
  const apply = plan.apply;
  return html`<h3>Last plan</h3>
<p class="plan">${plan.steps} step${plan.steps === 1 ? '' : 's'} (${plan.create} to create, ${plan.update} to update, ${plan.delete} to delete) at <code>${plan.revision.slice(0, 12)}</code>, ${when(plan.at, now)}${stepCounts(plan.stepsByAction) ? html`<br><span class="muted small">${stepCounts(plan.stepsByAction)}</span>` : ''}</p>
${apply ? html`<p class="plan">Apply: ${apply.completed} done, ${apply.failed.length} failed, ${apply.skipped} skipped, ${apply.notStarted} not started <span class="muted">(${(apply.elapsedMs / 1000).toFixed(1)} s on the executor's clock)</span></p>` : ''}
${apply && apply.failed.length > 0 ? html`<ul class="refusals">${apply.failed.map((f) => html`<li><code>${f.stepId}</code>: ${f.message}</li>`)}</ul>` : ''}
${plan.refusals.length > 0 ? html`<p class="notice bad">Refused:</p><ul class="refusals">${plan.refusals.map((r) => html`<li><strong>${r.rule}</strong> (${r.resource}): ${r.message}</li>`)}</ul>` : ''}
`;
}

function historyList(entries: HistoryEntry[], now: number): Markup {
  if (entries.length === 0) return html`<h3>History</h3><p class="muted">No changes recorded yet.</p>`;
  const shown = entries.slice(-HISTORY_SHOWN).reverse();
  return html`<h3>History <span class="muted small">(newest first, ${shown.length} of ${entries.length})</span></h3>
<ol class="history">${shown.map((entry) => html`<li>${historyLine(entry, now)}</li>`)}</ol>
`;
}

function historyLine(entry: HistoryEntry, now: number): Markup {
  const at = when(new Date(entry.at).toISOString(), now);
  if (entry.kind !== 'reconcile') return html`<strong>${entry.kind}</strong> by ${entry.by ?? '?'} ${at}${entry.reason ? html`: ${entry.reason}` : ''}`;
  const failed = (entry.steps ?? []).filter((step) => step.outcome === 'failed').length;
  return html`<strong>${entry.outcome ?? ''}</strong> <code>${(entry.revision ?? '').slice(0, 12)}</code> ${at}: ${entry.plan?.steps ?? 0} steps${failed ? `, ${failed} failed` : ''}${entry.durationMs !== undefined ? `, ${(entry.durationMs / 1000).toFixed(1)} s` : ''} <span class="muted">(${entry.trigger})</span>${entry.reason ? html`<br><span class="muted small">${entry.reason}</span>` : ''}`;
}

/** A <time> with the relative age as text and the exact time as its title. */
function when(iso: string | undefined, now: number): Markup | string {
  if (!iso) return '';
  const text = ageText(iso, now);
  return html`<time datetime="${iso}" title="${iso}">${text}</time>`;
}

const CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #f6f8fa; --card: #fff; --line: #d0d7de; --muted: #57606a;
  --good: #1a7f37; --good-bg: #dafbe1; --warn: #9a6700; --warn-bg: #fff8c5; --bad: #cf222e; --bad-bg: #ffebe9; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --card: #161b22; --line: #30363d; --muted: #8d96a0;
  --good: #3fb950; --good-bg: #12261e; --warn: #d29922; --warn-bg: #272115; --bad: #f85149; --bad-bg: #2d1214; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 1100px; margin: 0 auto; padding: 12px 16px; }
h1 { font-size: 1.4rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 0 0 8px; word-break: break-word; }
h3 { font-size: 1rem; margin: 16px 0 6px; }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, monospace; }
.muted { color: var(--muted); } .small { font-size: 0.85em; }
.source { margin: 0; word-break: break-all; }
.regionset { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 0 0 16px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 0.85em; border: 1px solid currentColor; white-space: nowrap; }
.badge.good { color: var(--good); background: var(--good-bg); } .badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.bad { color: var(--bad); background: var(--bad-bg); } .badge.muted { color: var(--muted); }
.notice { padding: 6px 10px; border-radius: 6px; word-break: break-word; } .notice.warn { background: var(--warn-bg); } .notice.bad, .error { background: var(--bad-bg); padding: 6px 10px; border-radius: 6px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 0.85em; color: var(--muted); font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; } td code { white-space: nowrap; }
.history, .refusals { padding-left: 20px; margin: 4px 0; } .history li, .refusals li { margin: 2px 0; word-break: break-word; }
@media (max-width: 600px) {
  body { font-size: 14px; } header, main { padding: 8px; } .regionset { padding: 10px; }
  th, td { padding: 5px 4px; }
  table.regions th:nth-child(5), table.regions td:nth-child(5), table.regions th:nth-child(6), table.regions td:nth-child(6) { display: none; }
}
`;
