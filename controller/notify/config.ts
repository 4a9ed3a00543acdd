// REGIONCTL_NOTIFY_CONFIG: which providers exist and which events of which RegionSets go to
// them. A YAML file read with the manifests' loader (positions, limits), validated by ajv,
// then checked for what a schema cannot say (routes name known providers, the environment
// variables that hold the secrets are set, GitHub's owner/repo is known). Every problem is
// reported as file:line:column with the rule and the next step. Secrets — webhook URLs
// (Slack's carry a token), HMAC secrets, the GitHub token — are never written in the file:
// it names the environment variables that hold them.

import { readFile } from 'node:fs/promises';
import type { ErrorObject } from 'ajv';
import { parseDuration } from '../manifest/duration.js';
import { parseManifestYaml } from '../manifest/parse.js';
import { displayPath, encodePointer, type PositionIndex } from '../manifest/positions.js';
import { schemaIssues } from '../manifest/schema-errors.js';
import { EVENT_TYPES } from './events.js';
import type { NamedProvider, Route } from './notifier.js';
import { repositoryFromGitUrl, type ProviderSettings } from './providers.js';

export interface NotifyConfig {
  providers: NamedProvider[];
  routes: Route[];
  /** The secret values the file pointed at, for the log scrubber. */
  secrets: string[];
}

export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

export type NotifyConfigResult = { ok: true; value: NotifyConfig } | { ok: false; errors: ConfigIssue[] };

export const DEFAULT_GITHUB_API = 'https://api.github.com';
export const DEFAULT_GITHUB_TOKEN_ENV = 'REGIONCTL_GITHUB_TOKEN';

const ENV_NAME = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', patternErrorMessage: 'must be the name of an environment variable, such as SLACK_WEBHOOK_URL' };
const DURATION = { type: 'string', pattern: '^(\\d+ms|(\\d+h)?(\\d+m)?(\\d+s)?)$', minLength: 2, patternErrorMessage: 'must be a duration such as 500ms, 1s, 30s or 2m' };
const COMMON = {
  retries: { type: 'integer', minimum: 0, maximum: 10, description: 'attempts after the first' },
  backoff: DURATION,
  maxBackoff: DURATION,
  timeout: DURATION,
};
const HTTP_URL = { type: 'string', pattern: '^https?://[^\\s]+$', patternErrorMessage: 'must be an http:// or https:// URL' };

export const NOTIFY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['providers', 'routes'],
  properties: {
    providers: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[a-z0-9][a-z0-9-]*$', patternErrorMessage: 'must be lower-case letters, digits and dashes' },
      additionalProperties: {
        type: 'object',
        required: ['type'],
        properties: { type: { enum: ['webhook', 'slack', 'github'] } },
        allOf: [
          {
            if: { properties: { type: { const: 'webhook' } } },
            then: { additionalProperties: false, properties: { type: {}, url: HTTP_URL, urlFromEnv: ENV_NAME, secretFromEnv: ENV_NAME, ...COMMON } },
          },
          {
            if: { properties: { type: { const: 'slack' } } },
            then: { additionalProperties: false, required: ['urlFromEnv'], properties: { type: {}, urlFromEnv: ENV_NAME, ...COMMON } },
          },
          {
            if: { properties: { type: { const: 'github' } } },
            then: {
              additionalProperties: false,
              properties: {
                type: {},
                apiUrl: HTTP_URL,
                repository: { type: 'string', pattern: '^[^/\\s]+/[^/\\s]+$', patternErrorMessage: 'must be OWNER/REPO' },
                tokenFromEnv: ENV_NAME,
                targetUrl: HTTP_URL,
                ...COMMON,
              },
            },
          },
        ],
      },
    },
    routes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['providers'],
        properties: {
          regionSets: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          events: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...EVENT_TYPES] } },
          providers: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
        },
      },
    },
  },
} as const;

interface RawProvider {
  type: ProviderSettings['type'];
  url?: string;
  urlFromEnv?: string;
  secretFromEnv?: string;
  apiUrl?: string;
  repository?: string;
  tokenFromEnv?: string;
  targetUrl?: string;
  retries?: number;
  backoff?: string;
  maxBackoff?: string;
  timeout?: string;
}
interface RawConfig {
  providers: Record<string, RawProvider>;
  routes: Array<{ regionSets?: string[]; events?: string[]; providers: string[] }>;
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validator: Validate | undefined;

async function validate(data: unknown): Promise<ErrorObject[]> {
  if (!validator) {
    // ajv is CommonJS: under tsx its class is a named export, in the esbuild bundle it is on the default export.
    const ajv = (await import('ajv')) as unknown as { Ajv?: typeof import('ajv').Ajv; default?: { Ajv?: typeof import('ajv').Ajv } };
    const Ajv = ajv.Ajv ?? ajv.default?.Ajv;
    if (!Ajv) throw new Error('ajv exports no Ajv class');
    validator = new Ajv({ allErrors: true, verbose: true, strict: false }).compile(NOTIFY_SCHEMA) as Validate;
  }
  // An `if` failing only says which `then` applies; the `then`'s own errors say what is wrong.
  return validator(data) ? [] : (validator.errors ?? []).filter((error) => error.keyword !== 'if');
}

export interface NotifyConfigContext {
  env: NodeJS.ProcessEnv;
  /** The controller's git URL: GitHub's owner/repo when the file does not say. */
  sourceUrl?: string;
}

export async function loadNotifyConfig(file: string, context: NotifyConfigContext): Promise<NotifyConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return { ok: false, errors: [{ file, line: 1, column: 1, rule: 'unreadable-file', message: `cannot read the notification config (${reason}); fix REGIONCTL_NOTIFY_CONFIG` }] };
  }
  return parseNotifyConfig(text, file, context);
}

export async function parseNotifyConfig(text: string, file: string, context: NotifyConfigContext): Promise<NotifyConfigResult> {
  const parsed = parseManifestYaml(text);
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map(({ line, column, rule, message }) => ({ file, line, column, rule, message: message.replace(/a manifest|a RegionSet/g, 'the notification config') })) };
  const { data, positions } = parsed.value;
  const schemaErrors = await validate(data);
  if (schemaErrors.length) {
    return { ok: false, errors: schemaIssues(schemaErrors).map((issue) => ({ file, ...positions.locate(issue.pointer, issue.anchor), rule: issue.rule, message: issue.message })) };
  }
  return resolve(data as RawConfig, file, positions, context);
}

function resolve(raw: RawConfig, file: string, positions: PositionIndex, context: NotifyConfigContext): NotifyConfigResult {
  const errors: ConfigIssue[] = [];
  const issue = (segments: Array<string | number>, rule: string, message: string, anchor: 'key' | 'value' = 'value') =>
    errors.push({ file, ...positions.locate(encodePointer(segments), anchor), rule, message });
  const secrets: string[] = [];
  const fromEnv = (segments: Array<string | number>, name: string): string | undefined => {
    const value = context.env[name];
    if (value === undefined || value === '') {
      const what = segments.length > 2 ? `${displayPath(encodePointer(segments))} names ${name}` : `provider ${String(segments[1])} reads its token from ${name}`;
      issue(segments, 'missing-environment-variable', `${what}, which is not set; set it in the controller's environment (from a Kubernetes Secret)`, segments.length > 2 ? 'value' : 'key');
      return undefined;
    }
    secrets.push(value);
    return value;
  };

  const providers: NamedProvider[] = [];
  for (const [name, p] of Object.entries(raw.providers)) {
    const at = ['providers', name];
    const common = {
      retries: p.retries ?? 3,
      backoffMs: milliseconds(p.backoff, 1000),
      maxBackoffMs: milliseconds(p.maxBackoff, 30_000),
      timeoutMs: milliseconds(p.timeout, 10_000),
    };
    let settings: ProviderSettings | undefined;
    if (p.type === 'webhook') {
      if ((p.url === undefined) === (p.urlFromEnv === undefined)) {
        issue(at, 'webhook-url', `provider ${name} needs exactly one of url (no credentials in it) or urlFromEnv (a URL carrying a token)`, 'key');
        continue;
      }
      const url = p.url ?? fromEnv([...at, 'urlFromEnv'], p.urlFromEnv!);
      const secret = p.secretFromEnv !== undefined ? fromEnv([...at, 'secretFromEnv'], p.secretFromEnv) : undefined;
      if (url && p.url && /\/\/[^/]*@|[?&](token|key|secret|sig)=/i.test(p.url)) issue([...at, 'url'], 'secret-inline', `provider ${name}'s url carries credentials; put it in an environment variable and write urlFromEnv instead`);
      if (url) settings = { type: 'webhook', url, ...(secret ? { secret } : {}) };
    } else if (p.type === 'slack') {
      const url = fromEnv([...at, 'urlFromEnv'], p.urlFromEnv!);
      if (url) settings = { type: 'slack', url };
    } else {
      const tokenEnv = p.tokenFromEnv ?? DEFAULT_GITHUB_TOKEN_ENV;
      const token = fromEnv(p.tokenFromEnv ? [...at, 'tokenFromEnv'] : at, tokenEnv);
      const repository = p.repository ? { owner: p.repository.split('/')[0]!, repo: p.repository.split('/')[1]! } : repositoryFromGitUrl(context.sourceUrl ?? '');
      if (!repository) issue(at, 'github-repository', `provider ${name}: the git source is not a GitHub URL, so write repository: OWNER/REPO`, 'key');
      if (token && repository) settings = { type: 'github', apiUrl: p.apiUrl ?? DEFAULT_GITHUB_API, token, ...repository, ...(p.targetUrl ? { targetUrl: p.targetUrl } : {}) };
    }
    if (settings) providers.push({ name, settings, ...common });
  }

  const routes: Route[] = raw.routes.map((route, index) => {
    route.providers.forEach((name, i) => {
      if (!(name in raw.providers)) issue(['routes', index, 'providers', i], 'unknown-provider', `routes[${index}] sends to provider "${name}", which is not under providers; add it or use one of ${Object.keys(raw.providers).join(', ')}`);
    });
    return {
      providers: route.providers,
      ...(route.regionSets ? { regionSets: new Set(route.regionSets) } : {}),
      ...(route.events ? { events: new Set(route.events) } : {}),
    };
  });
  if (errors.length) return { ok: false, errors: errors.sort((a, b) => a.line - b.line || a.column - b.column) };
  return { ok: true, value: { providers, routes, secrets } };
}

function milliseconds(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  return /^\d+ms$/.test(text) ? Number(text.slice(0, -2)) : (parseDuration(text) ?? fallback);
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.rule}: ${issue.message}`;
}
