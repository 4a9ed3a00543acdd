// The deployment examples must only use settings regionctl run knows and metrics it
// exports; otherwise a user copying them gets a controller that silently ignores them.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, parse } from 'yaml';
import { expect, it } from 'vitest';

const runDoc = readFileSync('controller/commands/run.ts', 'utf8');
const metricsSource = readFileSync('controller/runtime/metrics.ts', 'utf8');
const documented = new Set(runDoc.match(/REGIONCTL_[A-Z_]+/g));

function envNames(env: Array<{ name: string }>): string[] {
  return env.map((entry) => entry.name).filter((name) => name.startsWith('REGIONCTL_'));
}

it('the Kubernetes Deployment sets only documented variables and probes the real endpoints', () => {
  const docs = parseAllDocuments(readFileSync('manifests/deploy/kubernetes.yaml', 'utf8')).map((d) => d.toJS());
  const deployment = docs.find((d) => d.kind === 'Deployment');
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
  const rules = parse(readFileSync('manifests/deploy/alerts.yaml', 'utf8')).groups.flatMap((g: { rules: unknown[] }) => g.rules);
  const used = new Set<string>(rules.flatMap((rule: { expr: string }) => rule.expr.match(/regionctl_[a-z_]+/g) ?? []));
  expect(used.size).toBeGreaterThan(3);
  for (const metric of used) expect(metricsSource, metric).toContain(`'${metric}'`);
});
