#!/usr/bin/env node
// Entry point: parses the command name and loads only that command's module, so that
// `validate` and `diff --sandbox` never load the AWS SDK (cold start matters).

const USAGE = `regionctl — GitOps for multi-region active-active serverless apps on AWS

Usage:
  regionctl validate FILE...            check manifests; exit 0 valid, 1 invalid
  regionctl diff FILE [options]         show the plan (dry run); applies nothing
  regionctl apply FILE [options]        show the plan, confirm, converge
  regionctl add-region FILE REGION [--weight N]
                                        add one region line to spec.regions
  regionctl drain-region FILE REGION    set the region's state to drained (one line)
  regionctl remove-region FILE REGION   delete the region's line
  regionctl prune-regionset NAME --zone ZONE --manifests GLOB [--stack-name S] [--yes]
                                        delete what an orphaned RegionSet (no manifest declares
                                        it any more) still owns: records, health checks, stacks
  regionctl run [options]               the controller: follow a git branch, reconcile every
                                        RegionSet on push webhooks and resyncs, serve /healthz,
                                        /readyz, /metrics, /status (REGIONCTL_* variables; see
                                        controller/commands/run.ts and the README)
  regionctl help                        this text

Options for diff and apply (without --sandbox they talk to AWS, with the usual
AWS_PROFILE / AWS_ACCESS_KEY_ID credentials):
  --sandbox [PATH]        use the built-in in-memory cloud (state kept in PATH)
  --sandbox-speed N       sandbox time runs N times faster than real time (default 100)
  --endpoint-url URL      send every AWS call to URL (wins over AWS_ENDPOINT_URL)
  --max-attempts N        AWS SDK attempts per call (default AWS_MAX_ATTEMPTS or 3)
  --retry-mode MODE       AWS SDK retries: standard (default) or adaptive
  --output FORMAT         text (default), json or markdown
  --detailed-exitcode     diff: exit 2 when there are changes
  --read-only             diff: send no write call (no CloudFormation change set, no review
                          stack); stack changes show template, parameters and tags only
                          (manifests/iam-policy-read-only.json is all it needs)
  --yes                   apply: do not ask for confirmation

Exit codes: 0 no changes (or success), 2 changes (with --detailed-exitcode), 1 error.
`;

type CommandModule = { main(argv: string[]): Promise<number> };

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  validate: () => import('./commands/validate.js'),
  diff: () => import('./commands/diff.js'),
  apply: () => import('./commands/apply.js'),
  'add-region': () => regionEdit('add-region'),
  'drain-region': () => regionEdit('drain-region'),
  'remove-region': () => regionEdit('remove-region'),
  run: () => import('./commands/run.js'),
  'prune-regionset': () => import('./commands/prune.js'),
};

/** The three region edits share one module; each gets its own main. */
async function regionEdit(command: 'add-region' | 'drain-region' | 'remove-region'): Promise<CommandModule> {
  const { main } = await import('./commands/region-edit.js');
  return { main: (argv) => main(command, argv) };
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  if (command === '--version' || command === 'version') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    process.stdout.write(`regionctl ${pkg.version}\n`);
    return 0;
  }
  const load = COMMANDS[command];
  if (!load) {
    process.stderr.write(`regionctl: unknown command "${command}". Run "regionctl --help" for the list of commands.\n`);
    return 1;
  }
  return (await load()).main(rest);
}

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Only bugs get here: user mistakes are reported by the commands themselves.
    process.stderr.write(`regionctl: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
