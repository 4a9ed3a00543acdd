// The deployment examples must only use settings regionctl run knows and metrics it
// exports; otherwise a user copying them gets a controller that silently ignores them.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { expect, it } from 'vitest';
import { envPairs, parseDockerfile } from '../container/dockerfile.js';

const runDoc = readFileSync('controller/commands/run.ts', 'utf8');
const metricsSource = readFileSync('controller/runtime/metrics.ts', 'utf8');
const documented = new Set(runDoc.match(/REGIONCTL_[A-Z_]+/g));

function envNames(env: Array<{ name: string }>): string[] {
  return env.map((entry) => entry.name).filter((name) => name.startsWith('REGIONCTL_'));
}

const kubernetes = parseAllDocuments(readFileSync('manifests/deploy/kubernetes.yaml', 'utf8')).map((d) => d.toJS());
const deployment = kubernetes.find((d) => d.kind === 'Deployment');
const alertRules = parse(readFileSync('manifests/deploy/alerts.yaml', 'utf8')).groups.flatMap((g: { rules: unknown[] }) => g.rules);

it('the Kubernetes Deployment sets only documented variables and probes the real endpoints', () => {
  const container = deployment.spec.template.spec.containers[0];
  const names = envNames(container.env);
  expect(names.length).toBeGreaterThan(5);
  for (const name of names) expect(documented, name).toContain(name);
  expect(container.readinessProbe.httpGet.path).toBe('/readyz');
  expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(10001);
});

it('the ECS task definition sets only documented variables and secrets', () => {
  const task = JSON.parse(readFileSync('manifests/deploy/ecs-task-definition.json', 'utf8'));
  const container = task.containerDefinitions[0];
  for (const name of [...envNames(container.environment), ...envNames(container.secrets)]) expect(documented, name).toContain(name);
  expect(container.healthCheck.command.join(' ')).toContain('/healthz');
});

it('the suggested alerts use metrics regionctl exports', () => {
  const used = new Set<string>(alertRules.flatMap((rule: { expr: string }) => rule.expr.match(/regionctl_[a-z_]+/g) ?? []));
  expect(used.size).toBeGreaterThan(3);
  for (const metric of used) expect(metricsSource, metric).toContain(`'${metric}'`);
});

it('the Kubernetes Deployment runs non-root on a read-only root filesystem, writing only to emptyDir volumes', () => {
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
  // Where the controller writes: its git working copy (the image's REGIONCTL_GIT_DIR unless the
  // Deployment sets another) and temporary files.
  const runtime = parseDockerfile(readFileSync('Dockerfile', 'utf8')).stages.at(-1)!;
  const imageEnv = new Map(runtime.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => envPairs(i.args)));
  const gitDir = container.env.find((e: { name: string }) => e.name === 'REGIONCTL_GIT_DIR')?.value ?? imageEnv.get('REGIONCTL_GIT_DIR');
  expect(gitDir).toMatch(/^\//);
  const emptyDirs = new Set(pod.volumes.filter((v: { emptyDir?: object }) => v.emptyDir).map((v: { name: string }) => v.name));
  const writable = container.volumeMounts.filter((m: { name: string; readOnly?: boolean }) => emptyDirs.has(m.name) && !m.readOnly).map((m: { mountPath: string }) => m.mountPath);
  for (const path of [gitDir, '/tmp']) {
    expect(writable.some((mount: string) => path === mount || path.startsWith(`${posix.join(mount, '/')}`)), `${path} is on no writable emptyDir`).toBe(true);
  }
});

it('the Kubernetes example keeps a replica through voluntary disruptions with a PodDisruptionBudget', () => {
  const budget = kubernetes.find((d) => d.kind === 'PodDisruptionBudget');
  expect(budget, 'no PodDisruptionBudget').toBeDefined();
  expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  // Exactly one of the two; a drain must be able to evict (else it blocks) and must leave one running.
  const { maxUnavailable, minAvailable } = budget.spec;
  expect([maxUnavailable, minAvailable].filter((v) => v !== undefined)).toHaveLength(1);
  const replicas = deployment.spec.replicas;
  const mayEvict = maxUnavailable ?? replicas - minAvailable;
  expect(mayEvict).toBeGreaterThanOrEqual(1);
  expect(replicas - mayEvict).toBeGreaterThanOrEqual(1);
});

it('every suggested alert waits a `for:` duration before firing', () => {
  expect(alertRules.length).toBeGreaterThan(3);
  for (const rule of alertRules as Array<{ alert: string; for?: string }>) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
});
