// regionctl drain REGION --now --regionset NAME --reason TEXT: the break-glass drain (issue
// 15 item 7). The running controller takes the region's traffic away at once (POST /drain,
// runtime/drains.ts), and the matching one-line change (the same edit as drain-region) is
// committed on top of HEAD as a branch, or written as a patch, for the pull request that
// records it in git; merging it ends the override. The edit is prepared and checked before
// the controller is asked, so a checkout that cannot take it changes nothing.
// Without --now there is no drain: the normal path is the pull request (drain-region).

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { containedTemplateReader } from '../manifest/template-file.js';
import { isAwsRegion } from '../manifest/regions.js';
import { parseCommandArgs, runCommand, UsageError } from './args.js';
import { call, controllerUrl, DEFAULT_CONTROLLER, NAME } from './control.js';
import { checkoutOf, commitOneFile, GitChangeError, headText, type Checkout } from './git-change.js';
import { checkedEdit, Refusal } from './region-edit.js';

interface DrainFlags {
  now?: boolean;
  regionset?: string;
  reason?: string;
  for?: string;
  controller?: string;
  manifest?: string;
  by?: string;
  patch?: string;
}

export async function main(argv: string[]): Promise<number> {
  return runCommand('drain', async () => {
    const { values, positionals } = parseCommandArgs('drain', argv);
    const opts = values as DrainFlags;
    const region = positionals[0];
    if (positionals.length !== 1 || !region || !isAwsRegion(region)) throw new UsageError('expected one REGION code such as eu-west-1: regionctl drain REGION --now --regionset NAME --reason TEXT');
    if (!opts.now) {
      throw new UsageError(
        `without --now nothing is drained. The normal path is a pull request: "regionctl drain-region FILE ${region}" makes the one-line change; merge it and the controller drains ${region} with the manifest's drain wait. --now is the break-glass path: the running controller drains at once and the same change is written for the pull request`,
      );
    }
    const name = opts.regionset;
    if (!name || !NAME.test(name)) throw new UsageError('--regionset NAME is required: the RegionSet to drain the region of, such as global-api');
    if (!opts.reason?.trim()) throw new UsageError('--reason TEXT is required: say why, it is recorded in history and in the commit');
    const token = process.env['REGIONCTL_TRIGGER_TOKEN'];
    if (!token) throw new UsageError("REGIONCTL_TRIGGER_TOKEN is not set: drain --now needs the controller's bearer token");
    const base = controllerUrl(opts.controller ?? DEFAULT_CONTROLLER);
    const by = opts.by ?? process.env['USER'] ?? 'regionctl';

    // 1. The one-line change, prepared and checked before anything is drained.
    let prepared: { checkout: Checkout; file: string; text: string; lines: string[] };
    try {
      prepared = await prepareChange(base, name, region, opts.manifest);
    } catch (error) {
      if (error instanceof GitChangeError || error instanceof Refusal) return fail(`${error.message}\nNothing was drained.`);
      throw error;
    }

    // 2. The drain, through the controller.
    const response = await call(base, `/drain?regionSet=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-regionctl-actor': by },
      body: JSON.stringify({ region, reason: opts.reason, by, ...(opts.for ? { for: opts.for } : {}) }),
    });
    const body = (await response.json().catch(() => ({}))) as { error?: string; refusals?: unknown[]; until?: string; at?: string };
    if (!response.ok) {
      const refused = response.status === 409 && Array.isArray(body.refusals) && body.refusals.length > 0;
      fail(`${base.origin} answered ${response.status}: ${body.error ?? response.statusText}`);
      return refused ? 3 : 1;
    }
    process.stdout.write(`${region} of ${name} drained now by ${by}, until ${body.until}: the controller moves its traffic off in one reconcile (regionctl history ${name}).\n`);

    // 3. The change for the pull request.
    const stamp = (body.at ?? new Date().toISOString()).replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const branch = `regionctl/drain-${region}-${stamp}`;
    const message = `Drain ${region} of ${name}\n\n${opts.reason}\n\nBreak-glass: regionctl drain --now drained ${region} through the controller at ${body.at} (by ${by}, override until ${body.until}).\nMerging this change records the drain in the manifest and ends the override.\n`;
    try {
      const made = await commitOneFile(prepared.checkout, { file: prepared.file, text: prepared.text, message, author: by, as: opts.patch ? 'patch' : 'branch', branch });
      for (const line of prepared.lines) process.stdout.write(`${line}\n`);
      if (opts.patch) {
        await writeFile(opts.patch, made.patch ?? '');
        process.stdout.write(`Wrote the one-line change to ${opts.patch}.\nNext: git switch -c ${branch} && git am ${opts.patch} && git push -u origin ${branch}, then open a pull request from ${branch}; merging it ends the override (else it expires at ${body.until}).\n`);
      } else {
        process.stdout.write(`Branch ${branch} has the one-line change (commit ${made.commit.slice(0, 12)}); your checkout is untouched.\nNext: git push -u origin ${branch}, then open a pull request from it; merging it ends the override (else it expires at ${body.until}).\n`);
      }
      return 0;
    } catch (error) {
      if (!(error instanceof GitChangeError) && !(error instanceof Error && 'code' in error)) throw error;
      return fail(`${region} is drained, but the change for the pull request was not written (${(error as Error).message}). Record it by hand: regionctl drain-region ${prepared.file} ${region}, commit, push and open a pull request`);
    }
  });
}

/** The manifest (--manifest, else the file /status names, in this checkout) with the region drained: checked, not yet written. */
async function prepareChange(base: URL, name: string, region: string, manifest: string | undefined): Promise<{ checkout: Checkout; file: string; text: string; lines: string[] }> {
  const checkout = await checkoutOf(manifest ? path.dirname(path.resolve(manifest)) : process.cwd());
  const file = manifest ? path.relative(checkout.root, path.resolve(manifest)).split(path.sep).join('/') : await statusFile(base, name);
  const text = await headText(checkout, file);
  const edited = await checkedEdit('drain-region', text, path.join(checkout.root, file), region, undefined, containedTemplateReader(checkout.root));
  const lines = [...edited.change.removed.map((line, i) => `${file}:${edited.change.line + i}: - ${line.trim()}`), ...edited.change.added.map((line, i) => `${file}:${edited.change.line + i}: + ${line.trim()}`)];
  return { checkout, file, text: edited.text, lines };
}

/** The RegionSet's manifest file as the controller reports it (relative to the repository root). */
async function statusFile(base: URL, name: string): Promise<string> {
  const response = await call(base, '/status', {});
  const body = (await response.json().catch(() => ({}))) as { regionSets?: Record<string, { file?: string }> };
  const file = body.regionSets?.[name]?.file;
  if (!response.ok || !file) throw new GitChangeError(`${base.origin} does not report RegionSet ${name} in /status (${response.status}); check --regionset, or pass --manifest FILE`);
  return file;
}

function fail(message: string): number {
  process.stderr.write(`regionctl drain: ${message}\n`);
  return 1;
}
