// Issue #11, item 5: NoEcho stack parameters are secrets. They never appear in a plan (text,
// JSON, Markdown), a failure message, a log line or /status; a change to one is still
// planned and applied (compared by a digest tag, since DescribeStacks returns asterisks);
// an unchanged one plans nothing. Manifests and templates go through the real loader.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execute } from '../../controller/apply/execute.js';
import { FakeClock } from '../../controller/clock.js';
import { AwsRequestError } from '../../controller/errors.js';
import { loadManifestFile } from '../../controller/manifest/load.js';
import type { DesiredState } from '../../controller/manifest/types.js';
import { renderJson, renderMarkdown, renderText } from '../../controller/plan/render.js';
import { secretDigest } from '../../controller/plan/secrets.js';
import type { Plan, StepWith } from '../../controller/plan/types.js';
import type { Providers } from '../../controller/providers/types.js';
import { SandboxCloud } from '../../controller/providers/sandbox/index.js';
import { planReconcile } from '../../controller/reconcile.js';
import { AlwaysLeader } from '../../controller/runtime/leases.js';
import { createLogger } from '../../controller/runtime/logger.js';
import { reconcileRegionSet } from '../../controller/runtime/reconciler.js';
import { StatusStore } from '../../controller/runtime/status.js';
import { SandboxTargets } from '../../controller/targets/sandbox.js';
import { captureLines } from '../runtime/helpers.js';
import { manifestText, REGIONS, ROTATED, SECRET, STACK, TEMPLATE } from './noecho-fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A manifest and its template in a temp dir, loaded by the real loader. */
async function load(manifest = manifestText(), template = TEMPLATE, templateFile = 'api.yaml'): Promise<DesiredState> {
  const dir = mkdtempSync(join(tmpdir(), 'regionctl-noecho-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'stacks'));
  writeFileSync(join(dir, 'stacks', templateFile), template);
  writeFileSync(join(dir, 'regions.yaml'), manifest);
  const result = await loadManifestFile(join(dir, 'regions.yaml'));
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
  return result.value;
}

function world() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const cloud = new SandboxCloud({ clock });
  cloud.seedZone('example.com.');
  return { clock, cloud };
}

async function planOn(cloud: SandboxCloud, clock: FakeClock, desired: DesiredState, providers: Providers = cloud.providers()): Promise<Plan> {
  return (await planReconcile(desired, providers, { now: clock.now(), previewStacks: true })).plan;
}

async function converge(cloud: SandboxCloud, clock: FakeClock, desired: DesiredState): Promise<void> {
  const plan = await planOn(cloud, clock, desired);
  const result = await execute(plan, cloud.providers(), { clock, maxParallelRegions: 4, regionSet: desired.name });
  expect(result.failed).toEqual([]);
}

/** Every way a plan is printed. */
function rendered(plan: Plan, desired: DesiredState): string {
  return [renderText(plan, desired), renderJson(plan), renderMarkdown(plan, desired)].join('\n');
}

function storedParameters(cloud: SandboxCloud, region: string): Record<string, string> {
  const state = cloud.toJSON() as { stacks: Array<{ region: string; name: string; current: { parameters: Record<string, string> } }> };
  return state.stacks.find((s) => s.region === region && s.name === STACK)!.current.parameters;
}

describe('NoEcho parameters are known from the template', () => {
  it('reads NoEcho from a YAML template with short-form tags (!Ref, !Sub, !GetAtt)', async () => {
    const desired = await load();
    expect(desired.stack.noEchoParameters).toEqual(['DbPassword']);
  });

  it('reads NoEcho from a JSON template, also when written as the string "true"', async () => {
    const json = JSON.stringify({
      Parameters: { Stage: { Type: 'String' }, DbPassword: { Type: 'String', NoEcho: 'true' } },
      Resources: { Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: { 'Fn::Sub': 'api-${Stage}' } } } },
      Outputs: { ApiDomainName: { Value: { 'Fn::GetAtt': ['Api', 'RootResourceId'] } } },
    });
    const desired = await load(manifestText(undefined, STACK, 'stacks/api.json'), json, 'api.json');
    expect(desired.stack.noEchoParameters).toEqual(['DbPassword']);
  });

  it('a template regionctl cannot parse masks every parameter rather than guess', async () => {
    // Unclosed: which parameters are NoEcho cannot be known. (A template that never says
    // NoEcho has none, readable or not: it is not parsed for them.)
    const desired = await load(manifestText(), 'Parameters: { DbPassword: { Type: String, NoEcho: true }\n');
    expect(desired.stack.noEchoParameters).toEqual(['DbPassword', 'Stage']);
    const { clock, cloud } = world();
    // The planner needs no template parsing: the plan is made (AWS would refuse the template at apply).
    const plan = await planReconcile(desired, cloud.providers(), { now: clock.now() }).then((r) => r.plan);
    const text = rendered(plan, desired);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('DbPassword=****');
  });
});

describe('the sandbox behaves like CloudFormation', () => {
  it('DescribeStacks returns **** for a NoEcho parameter and the value for the others', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    await converge(cloud, clock, desired);
    for (const region of REGIONS) {
      const live = await cloud.providers().stacks.describe(region, STACK);
      expect(live!.parameters).toEqual({ Stage: 'prod', DbPassword: '****' });
      // The value is really deployed: CloudFormation keeps it.
      expect(storedParameters(cloud, region)['DbPassword']).toBe(SECRET);
    }
  });
});

describe('a NoEcho value appears in no plan output', () => {
  it('the text plan of new stacks shows DbPassword=****', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    const text = renderText(await planOn(cloud, clock, desired), desired);
    expect(text).toMatch(/\+ stack secret-api .*DbPassword=\*\*\*\*/);
    expect(text).toContain('Stage=prod');
    expect(text).not.toContain(SECRET);
  });

  it('the JSON plan masks the value in the display fields and in the stack payload', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    const json = renderJson(await planOn(cloud, clock, desired));
    expect(json).not.toContain(SECRET);
    const parsed = JSON.parse(json) as Plan;
    const creates = parsed.steps.filter((s): s is StepWith<'stack.create'> => s.action === 'stack.create');
    expect(creates).toHaveLength(2);
    for (const step of creates) {
      expect(step.payload.kind === 'stack' && step.payload.input.parameters).toEqual({ Stage: 'prod', DbPassword: '****' });
      expect((step.after?.['parameters'] as Record<string, string>)['DbPassword']).toBe('****');
    }
  });

  it('the Markdown plan for a pull request masks the value', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    const markdown = renderMarkdown(await planOn(cloud, clock, desired), desired);
    expect(markdown).toContain('DbPassword=****');
    expect(markdown).not.toContain(SECRET);
  });
});

describe('a change to a NoEcho value is still found and applied', () => {
  it('a rotated secret is planned as a stack update in every region, shown only as ****', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    await converge(cloud, clock, desired);

    const rotated = await load(manifestText(`{ Stage: prod, DbPassword: "${ROTATED}" }`));
    const plan = await planOn(cloud, clock, rotated);
    const updates = plan.steps.filter((s): s is StepWith<'stack.update'> => s.action === 'stack.update');
    expect(updates.map((s) => s.region).sort()).toEqual(REGIONS);
    for (const step of updates) {
      expect(step.reason).toBe('parameters changed');
      expect(step.before?.['parameters']).toEqual({ DbPassword: '****' });
      expect(step.after?.['parameters']).toEqual({ DbPassword: '**** (changed)' });
    }
    expect(plan.steps.filter((s) => s.action !== 'stack.update')).toEqual([]);
    const text = rendered(plan, rotated);
    expect(text).toContain('DbPassword: **** → **** (changed)');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(ROTATED);
  });

  it('the rotated secret is deployed, and the next plan is empty with no AWS write', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    await converge(cloud, clock, desired);
    const rotated = await load(manifestText(`{ Stage: prod, DbPassword: "${ROTATED}" }`));
    await converge(cloud, clock, rotated);
    for (const region of REGIONS) expect(storedParameters(cloud, region)['DbPassword']).toBe(ROTATED);

    cloud.calls.reset();
    const again = await planOn(cloud, clock, rotated);
    expect(again.steps).toEqual([]);
    expect(cloud.calls.writes()).toEqual([]);
  });

  it('an unchanged secret plans nothing: no perpetual diff against the asterisks', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    await converge(cloud, clock, desired);
    const before = JSON.stringify(cloud.toJSON());
    cloud.calls.reset();
    const plan = await planOn(cloud, clock, await load());
    expect(plan.steps).toEqual([]);
    expect(cloud.calls.writes()).toEqual([]);
    expect(JSON.stringify(cloud.toJSON())).toBe(before);
  });

  it('a stack deployed before digests existed (no digest tag) is updated once, then is clean', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    await converge(cloud, clock, desired);
    // As an older regionctl left it: the same value, no digest tag.
    const state = cloud.toJSON() as { stacks: Array<{ current: { tags: Record<string, string> } }> };
    for (const stack of state.stacks) delete stack.current.tags['regionctl:noecho:DbPassword'];
    const older = SandboxCloud.fromJSON(state, { clock });
    const plan = await planOn(older, clock, desired);
    expect(plan.steps.map((s) => s.action)).toEqual(['stack.update', 'stack.update']);
    expect((plan.steps[0] as StepWith<'stack.update'>).before?.['parameters']).toEqual({ DbPassword: '****' });
    await converge(older, clock, desired);
    expect((await planOn(older, clock, desired)).steps).toEqual([]);
  });
});

describe('the digest kept in the stack tag', () => {
  it('is neither the secret nor its plain SHA-256, and differs per region', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    await converge(cloud, clock, desired);
    const tags = await Promise.all(REGIONS.map(async (region) => (await cloud.providers().stacks.describe(region, STACK))!.tags['regionctl:noecho:DbPassword']));
    const plain = createHash('sha256').update(SECRET).digest();
    for (const tag of tags) {
      expect(tag).toMatch(/^scrypt1:[A-Za-z0-9_-]{43}$/);
      expect(tag).not.toContain(SECRET);
      expect(tag).not.toContain(plain.toString('hex'));
      expect(tag).not.toContain(plain.toString('base64url'));
    }
    expect(tags[0]).not.toBe(tags[1]);
  });

  it('a digest key changes every digest, so a tag cannot be tested against guesses without it', () => {
    const context = { regionSet: STACK, region: 'eu-west-1', stackName: STACK, parameter: 'DbPassword' };
    const unkeyed = secretDigest(context, SECRET);
    expect(secretDigest(context, SECRET)).toBe(unkeyed);
    expect(secretDigest(context, SECRET, 'k3y-from-the-environment')).not.toBe(unkeyed);
    expect(secretDigest(context, SECRET, 'another-key')).not.toBe(secretDigest(context, SECRET, 'k3y-from-the-environment'));
  });
});

describe('the digest key from the environment', () => {
  afterEach(() => {
    delete process.env['REGIONCTL_PARAMETER_DIGEST_KEY'];
  });

  it('REGIONCTL_PARAMETER_DIGEST_KEY keys the digest written on the stack; a new key re-sends the same value once', async () => {
    process.env['REGIONCTL_PARAMETER_DIGEST_KEY'] = 'k3y-from-the-environment';
    const desired = await load();
    const { clock, cloud } = world();
    await converge(cloud, clock, desired);
    const tag = (await cloud.providers().stacks.describe('eu-west-1', STACK))!.tags['regionctl:noecho:DbPassword'];
    const context = { regionSet: STACK, region: 'eu-west-1', stackName: STACK, parameter: 'DbPassword' };
    expect(tag).toBe(secretDigest(context, SECRET, 'k3y-from-the-environment'));
    expect(tag).not.toBe(secretDigest(context, SECRET));
    expect((await planOn(cloud, clock, desired)).steps).toEqual([]);

    process.env['REGIONCTL_PARAMETER_DIGEST_KEY'] = 'a-rotated-key';
    const plan = await planOn(cloud, clock, desired);
    expect(plan.steps.map((s) => s.action)).toEqual(['stack.update', 'stack.update']);
    expect(rendered(plan, desired)).not.toContain(SECRET);
    await converge(cloud, clock, desired);
    expect(storedParameters(cloud, 'eu-west-1')['DbPassword']).toBe(SECRET);
    expect((await planOn(cloud, clock, desired)).steps).toEqual([]);
  });
});

/** The sandbox's providers with these stack calls in place of its own (describe and previewChanges stay the sandbox's unless given). */
function withStacks(cloud: SandboxCloud, calls: Partial<Providers['stacks']>): Providers {
  const providers = cloud.providers();
  const stacks = providers.stacks;
  return { ...providers, stacks: { ...stacks, describe: (region, name) => stacks.describe(region, name), previewChanges: (input) => stacks.previewChanges(input), ...calls } };
}

describe('failures, logs and /status never show the value', () => {
  it('a stack failure whose AWS message echoes the secret is reported with **** instead', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    const echoing = withStacks(cloud, {
      create: async (input) => {
        throw new AwsRequestError(`Parameter DbPassword failed to satisfy constraint: value ${input.parameters['DbPassword']} is not allowed`, 'ValidationError');
      },
    });
    const plan = await planOn(cloud, clock, desired, echoing);
    const messages: string[] = [];
    const result = await execute(plan, echoing, { clock, maxParallelRegions: 4, regionSet: desired.name, onEvent: (e) => e.message && messages.push(e.message) });
    expect(result.failed.map((f) => f.stepId).sort()).toEqual(['eu-west-1:stack.create', 'us-east-2:stack.create']);
    for (const failure of result.failed) {
      expect(failure.message).toContain('value **** is not allowed');
      expect(failure.message).not.toContain(SECRET);
    }
    expect(messages.join('\n')).not.toContain(SECRET);
    expect(cloud.listStacks()).toEqual([]);
  });

  it('a preview (change set) error that echoes the secret reaches diff with **** instead', async () => {
    const desired = await load();
    const { clock, cloud } = world();
    const echoing = withStacks(cloud, {
      previewChanges: async (input) => {
        throw new AwsRequestError(`Parameter value ${input.parameters['DbPassword']} for DbPassword does not match AllowedPattern`, 'ValidationError');
      },
    });
    const failure = await planOn(cloud, clock, desired, echoing).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AwsRequestError);
    expect((failure as Error).message).toBe('Parameter value **** for DbPassword does not match AllowedPattern');
    expect((failure as Error).stack).not.toContain(SECRET);
    expect(cloud.calls.writes()).toEqual([]);
  });

  it("the controller's log lines and /status show no NoEcho value, when creating and when rotating", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regionctl-noecho-run-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'manifests/stacks'), { recursive: true });
    writeFileSync(join(dir, 'manifests/stacks/api.yaml'), TEMPLATE);
    const file = 'manifests/secret-api.yaml';
    writeFileSync(join(dir, file), manifestText());
    const { cloud } = world();
    const lines = captureLines();
    const status = new StatusStore({ mode: 'apply', sourceUrl: '/repo', now: () => Date.UTC(2026, 0, 1) });
    const options = { mode: 'apply' as const, targets: new SandboxTargets({ cloud }), leases: new AlwaysLeader(), logger: createLogger({ destination: lines.stream }), isSuspended: () => false };

    const first = await reconcileRegionSet({ regionSet: STACK, root: dir, file, revision: 'rev-1', reasons: ['test'] }, options);
    expect(first.kind).toBe('applied');
    status.record(first);
    writeFileSync(join(dir, file), manifestText(`{ Stage: prod, DbPassword: "${ROTATED}" }`));
    const second = await reconcileRegionSet({ regionSet: STACK, root: dir, file, revision: 'rev-2', reasons: ['test'] }, options);
    expect(second.kind).toBe('applied');
    expect(second.plan?.stepsByAction['stack.update']).toBe(2);
    status.record(second);

    const everything = [lines.text(), JSON.stringify(status.snapshot()), JSON.stringify(first), JSON.stringify(second)].join('\n');
    expect(lines.records().some((r) => r['action'] === 'stack.update' && r['event'] === 'step-done')).toBe(true);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(ROTATED);
    expect(storedParameters(cloud, 'eu-west-1')['DbPassword']).toBe(ROTATED);
    expect(readFileSync(join(dir, file), 'utf8')).toContain(ROTATED);
  });
});
