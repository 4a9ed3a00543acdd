// Replays a conformance case against a target that speaks AWS's APIs and reports every
// outcome that differs from AWS's. One runner for the sandbox, moto and AWS: the target only
// has to send an operation with its input and return the output or throw the error
// (SDK-shaped: `name` is AWS's error code, `message` AWS's text, `$metadata.httpStatusCode`).

import { isDeepStrictEqual } from 'node:util';
import type { ApiCall, ConformanceCase, FieldCheck, Outcome, Step } from './cases/types.js';

export interface ApiTarget {
  send(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface ConformanceTarget {
  cloudFormation(region: string): ApiTarget;
  dynamodb(region: string): ApiTarget;
  route53(): ApiTarget;
  /** AWS-side happenings (see ControlCall); only the sandbox has them. */
  control?(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Waits between two polls of an `until` step: real time on moto/AWS, the sandbox's clock there. */
  pause(): Promise<void>;
  /** How many polls an `until` step may take before it counts as never reached (default 60). */
  maxPolls?: number;
}

export class ConformanceFailure extends Error {
  override name = 'ConformanceFailure';
}

type Values = Record<string, unknown>;

/** Value at a dot path; numeric segments index arrays. */
export function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) && /^\d+$/.test(segment) ? current[Number(segment)] : (current as Values)[segment];
  }
  return current;
}

/** Fills `${name}` placeholders; a string that is exactly one placeholder takes the value as is. */
export function fill<T>(value: T, values: Values): T {
  if (typeof value === 'string') {
    const whole = /^\$\{(\w+)\}$/.exec(value);
    if (whole) return lookup(values, whole[1]!) as T;
    return value.replace(/\$\{(\w+)\}/g, (_, name: string) => String(lookup(values, name))) as T;
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, values)) as T;
  if (value && typeof value === 'object' && !(value instanceof RegExp)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, values)])) as T;
  }
  return value;
}

function lookup(values: Values, name: string): unknown {
  if (!(name in values)) throw new ConformanceFailure(`placeholder \${${name}} used before a step saved it`);
  return values[name];
}

function matchesFields(element: unknown, fields: Record<string, unknown>): boolean {
  return Object.entries(fields).every(([path, expected]) => isDeepStrictEqual(valueAt(element, path), expected));
}

/** Returns why the check fails on `output`, or undefined when it holds. */
export function checkField(output: unknown, check: FieldCheck, values: Values): string | undefined {
  const actual = valueAt(output, check.path);
  const shown = JSON.stringify(actual);
  if ('equals' in check) {
    const expected = fill(check.equals, values);
    return isDeepStrictEqual(actual, expected) ? undefined : `${check.path} is ${shown}, AWS gives ${JSON.stringify(expected)}`;
  }
  if ('matches' in check) {
    return typeof actual === 'string' && check.matches.test(actual) ? undefined : `${check.path} is ${shown}, AWS gives ${check.matches}`;
  }
  if ('present' in check) return actual !== undefined ? undefined : `${check.path} is missing; AWS returns it`;
  if ('absent' in check) return actual === undefined ? undefined : `${check.path} is ${shown}; AWS does not return it`;
  if ('length' in check) {
    return Array.isArray(actual) && actual.length === check.length ? undefined : `${check.path} is ${shown}, AWS gives ${check.length} element(s)`;
  }
  const fields = fill('contains' in check ? check.contains : check.lacks, values);
  if (!Array.isArray(actual)) return `${check.path} is ${shown}, AWS gives a list`;
  const found = actual.some((element) => matchesFields(element, fields));
  if ('contains' in check) return found ? undefined : `${check.path} has no element with ${JSON.stringify(fields)}: ${shown}`;
  return found ? `${check.path} has an element with ${JSON.stringify(fields)}; AWS has none` : undefined;
}

interface Thrown {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function compare(outcome: Outcome, result: { output?: Values; error?: Thrown }, values: Values): string[] {
  if ('ok' in outcome) {
    if (result.error) return [`failed with ${result.error.name}: ${result.error.message}; AWS succeeds`];
    return outcome.ok.map((check) => checkField(result.output, check, values)).filter((why): why is string => why !== undefined);
  }
  const expected = outcome.error;
  if (!result.error) return [`succeeded; AWS fails with ${expected.code}`];
  const problems: string[] = [];
  if (result.error.name !== expected.code) problems.push(`error code ${result.error.name}, AWS gives ${expected.code}`);
  if (expected.message !== undefined) {
    const message = result.error.message ?? '';
    const wanted = typeof expected.message === 'string' ? fill(expected.message, values) : expected.message;
    const same = typeof wanted === 'string' ? message === wanted : wanted.test(message);
    if (!same) problems.push(`message ${JSON.stringify(message)}, AWS gives ${typeof wanted === 'string' ? JSON.stringify(wanted) : wanted}`);
  }
  const status = result.error.$metadata?.httpStatusCode;
  if (expected.httpStatus !== undefined && status !== undefined && status !== expected.httpStatus) {
    problems.push(`HTTP ${status}, AWS gives ${expected.httpStatus}`);
  }
  return problems;
}

function endpoint(target: ConformanceTarget, step: ApiCall, region: string): ApiTarget {
  if (step.service === 'cloudformation') return target.cloudFormation(step.region ?? region);
  if (step.service === 'dynamodb') return target.dynamodb(step.region ?? region);
  return target.route53();
}

async function attempt(send: () => Promise<Values>): Promise<{ output?: Values; error?: Thrown }> {
  try {
    return { output: await send() };
  } catch (error) {
    return { error: error as Thrown };
  }
}

let runs = 0;

/**
 * Runs every step of the case in order and throws a ConformanceFailure listing each outcome
 * that differs from AWS's. `suffix` makes names unique when cases share one account.
 */
export async function runCase(target: ConformanceTarget, testCase: ConformanceCase, suffix = `${Date.now().toString(36)}${(runs++).toString(36)}`): Promise<void> {
  const values: Values = { run: suffix };
  for (const [index, step] of testCase.steps.entries()) {
    const label = `${testCase.id} step ${index + 1} (${step.operation}${step.note ? `: ${step.note}` : ''})`;
    const input = fill(step.input, values);
    const send = stepSender(target, step, testCase.region, label);
    let result = await attempt(() => send(input));
    if (step.service !== 'control' && step.until) {
      const limit = target.maxPolls ?? 60;
      for (let poll = 1; checkField(result.output, step.until, values) !== undefined; poll++) {
        if (poll >= limit) {
          const why = result.error ? `${result.error.name}: ${result.error.message}` : checkField(result.output, step.until, values);
          throw new ConformanceFailure(`${label}: never reached ${JSON.stringify(step.until)} (${why})`);
        }
        await target.pause();
        result = await attempt(() => send(input));
      }
    }
    if (step.expect) {
      const problems = compare(step.expect, result, values);
      if (problems.length > 0) throw new ConformanceFailure(`${label}:\n  ${problems.join('\n  ')}`);
    } else if (result.error) {
      throw new ConformanceFailure(`${label}: failed with ${result.error.name}: ${result.error.message}`);
    }
    for (const [name, path] of Object.entries(step.save ?? {})) {
      // A leading '?' marks a field AWS may leave out; its absence is then the saved value.
      const optional = path.startsWith('?');
      const value = valueAt(result.output, optional ? path.slice(1) : path);
      if (value === undefined && !optional) throw new ConformanceFailure(`${label}: nothing at ${path} to save as ${name}`);
      values[name] = value;
    }
  }
}

function stepSender(target: ConformanceTarget, step: Step, region: string, label: string): (input: Values) => Promise<Values> {
  if (step.service === 'control') {
    const control = target.control;
    if (!control) throw new ConformanceFailure(`${label}: this target has no control hooks (the case is sandbox-only)`);
    return (input) => control.call(target, step.operation, input);
  }
  const api = endpoint(target, step, region);
  return (input) => api.send(step.operation, input);
}
