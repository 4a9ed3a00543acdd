// The three providers as pure request builders: an event in, the HTTP request to send out
// (or nothing when the provider has nothing to say about the event). Sending, retries and
// metrics are delivery.ts's; the secrets (URLs with tokens, the HMAC secret, the GitHub
// token) are resolved from the environment by config.ts before they reach here.

import { createHmac } from 'node:crypto';
import { headline, type NotifyEvent } from './events.js';

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookProvider {
  type: 'webhook';
  url: string;
  /** HMAC-SHA256 key of X-Regionctl-Signature-256. */
  secret?: string;
}

export interface SlackProvider {
  type: 'slack';
  url: string;
}

export interface GithubProvider {
  type: 'github';
  /** https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
  apiUrl: string;
  owner: string;
  repo: string;
  token: string;
  /** A link shown beside the status (the controller's status page). */
  targetUrl?: string;
}

export type ProviderSettings = WebhookProvider | SlackProvider | GithubProvider;

export const SIGNATURE_HEADER = 'X-Regionctl-Signature-256';
export const DELIVERY_HEADER = 'X-Regionctl-Delivery';
export const EVENT_HEADER = 'X-Regionctl-Event';
/** GitHub refuses longer commit status descriptions. */
export const GITHUB_DESCRIPTION_MAX = 140;

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The request for `event`, or undefined when the provider skips it. `deliveryId` is the same on every retry. */
export function buildRequest(provider: ProviderSettings, event: NotifyEvent, deliveryId: string): OutgoingRequest | undefined {
  switch (provider.type) {
    case 'webhook':
      return webhookRequest(provider, event, deliveryId);
    case 'slack':
      return { url: provider.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(slackMessage(event)) };
    case 'github':
      return githubRequest(provider, event);
  }
}

function webhookRequest(provider: WebhookProvider, event: NotifyEvent, deliveryId: string): OutgoingRequest {
  const body = JSON.stringify({ deliveryId, ...event });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'regionctl', [DELIVERY_HEADER]: deliveryId, [EVENT_HEADER]: event.type };
  if (provider.secret) headers[SIGNATURE_HEADER] = signature(provider.secret, body);
  return { url: provider.url, headers, body };
}

const SLACK_ICON: Record<NotifyEvent['type'], string> = {
  'apply-started': ':arrows_counterclockwise:',
  'apply-succeeded': ':white_check_mark:',
  'apply-failed': ':x:',
  'plan-refused': ':no_entry:',
  'drift-found': ':warning:',
  suspended: ':double_vertical_bar:',
  resumed: ':arrow_forward:',
};

/** Incoming-webhook message: `text` for notifications and old clients, blocks for the channel. */
export function slackMessage(event: NotifyEvent): { text: string; blocks: unknown[] } {
  const text = `${SLACK_ICON[event.type]} ${headline(event)}`;
  const lines: string[] = [];
  const regions = Object.entries(event.summary?.regions ?? {}).filter(([, t]) => t !== 'unchanged');
  if (regions.length) lines.push(`*Regions:* ${regions.map(([r, t]) => `${r} ${t}`).join(', ')}`);
  for (const refusal of event.refusals ?? []) lines.push(`• *${refusal.rule}* ${refusal.resource}: ${refusal.message}`);
  for (const error of event.errors ?? []) lines.push(`• ${error.stepId ? `\`${error.stepId}\` ` : ''}${error.message}`);
  const context = [`RegionSet *${event.regionSet}*`, ...(event.revision ? [`commit \`${event.revision.slice(0, 12)}\``] : []), ...(event.file ? [event.file] : [])].join(' · ');
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
      ...(lines.length ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), 2900) } }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: context }] },
    ],
  };
}

const GITHUB_STATE: Partial<Record<NotifyEvent['type'], 'pending' | 'success' | 'failure' | 'error'>> = {
  'apply-started': 'pending',
  'apply-succeeded': 'success',
  'apply-failed': 'failure',
  'plan-refused': 'failure',
};

/** POST /repos/{owner}/{repo}/statuses/{sha}; only events about applying a commit (not drift, suspend or resume). */
function githubRequest(provider: GithubProvider, event: NotifyEvent): OutgoingRequest | undefined {
  const state = GITHUB_STATE[event.type];
  if (!state || !event.revision || !/^[0-9a-f]{40}$/i.test(event.revision)) return undefined;
  const url = `${provider.apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(provider.owner)}/${encodeURIComponent(provider.repo)}/statuses/${event.revision}`;
  const body = {
    state,
    context: `regionctl/${event.regionSet}`,
    description: truncate(headline(event), GITHUB_DESCRIPTION_MAX),
    ...(provider.targetUrl ? { target_url: provider.targetUrl } : {}),
  };
  return {
    url,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${provider.token}`,
      'content-type': 'application/json',
      'user-agent': 'regionctl',
      'x-github-api-version': '2022-11-28',
    },
    body: JSON.stringify(body),
  };
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** owner/repo of a GitHub(-Enterprise) git URL: https://host/o/r(.git), git@host:o/r.git, ssh://git@host/o/r. */
export function repositoryFromGitUrl(url: string): { owner: string; repo: string } | undefined {
  const match = /^(?:[a-z][a-z0-9+.-]*:\/\/(?:[^@/]+@)?[^/]+\/|[^@/\s]+@[^:/\s]+:)([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/i.exec(url.trim());
  return match ? { owner: match[1]!, repo: match[2]! } : undefined;
}
