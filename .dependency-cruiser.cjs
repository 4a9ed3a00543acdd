// Architecture rules as code (issue 13 item 7; docs/architecture.md describes the layers).
// Run by `npm test` (test/architecture/dependency-rules.test.ts) and by `npm run lint:deps`.
// Parsed with swc: the project's TypeScript (7) has no compiler API that the cruiser can load.

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-import-cycles',
      severity: 'error',
      comment: 'A cycle makes load order matter and layers meaningless: move the shared piece down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'plan-is-pure',
      severity: 'error',
      comment: 'The planner reads (desired, live, options) and returns steps: no provider implementation.',
      from: { path: '^controller/plan/' },
      to: { path: '^controller/providers/(aws|sandbox)/' },
    },
    {
      name: 'plan-does-no-io',
      severity: 'error',
      comment: 'The planner is pure: no files, network or processes.',
      from: { path: '^controller/plan/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|net|http|https|child_process|dgram|dns|tls|os|worker_threads)$' },
    },
    {
      name: 'aws-sdk-only-in-aws-provider',
      severity: 'error',
      comment: 'The AWS SDK is loaded only where AWS is used (shared clients: timeouts, retries, endpoint, call metrics).',
      from: { path: '^(controller|handlers)/', pathNot: '^controller/providers/aws/' },
      to: { path: 'node_modules/@aws-sdk/' },
    },
    {
      name: 'manifest-and-handlers-are-leaves',
      severity: 'error',
      comment: 'manifest/ and handlers/ sit below everything: they import no runtime, command, executor or provider implementation.',
      from: { path: '^(controller/manifest|handlers)/' },
      to: { path: '^controller/(runtime|commands|apply|providers/(aws|sandbox)|targets)(/|\\.ts$)|^controller/cli\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test)/' },
    tsPreCompilationDeps: true,
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
