// Cold-start floor of `regionctl validate` and `regionctl diff --sandbox`: a script that
// only loads the libraries they need, yaml and ajv, bundled like the CLI
// (test/bench/cold-start.bench.ts builds it with scripts/bundle.ts's options).
import * as yaml from 'yaml';
import Ajv from 'ajv';

if (typeof yaml.parseDocument !== 'function' || typeof Ajv !== 'function') process.exitCode = 1;
