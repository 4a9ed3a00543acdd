// Source helpers: the recordings in localstack/localstack (responses captured from real AWS,
// commit 8b9a79f05846835cf4dff63ab7eefdde9df83783) and AWS's own reference pages.
import type { Source } from './types.js';

export const LOCALSTACK_COMMIT = '8b9a79f05846835cf4dff63ab7eefdde9df83783';

const SNAPSHOTS = 'tests/aws/services';

export function snapshot(file: string, test: string, key: string): Source {
  return { kind: 'snapshot', file: `${SNAPSHOTS}/${file}.snapshot.json`, test: `${SNAPSHOTS}/${file}.py::${test}`, key };
}

export function reference(url: string, quote: string): Source {
  return { kind: 'reference', url, quote };
}

export function issue(url: string, quote: string): Source {
  return { kind: 'issue', url, quote };
}

export const CFN_API = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference';
export const DDB_API = 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference';
export const DDB_GUIDE = 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide';
export const R53_API = 'https://docs.aws.amazon.com/Route53/latest/APIReference';
export const R53_GUIDE = 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide';

/** A rule only the project's reference notes state; the README lists these as unconfirmed. */
export function projectNote(quote: string): Source {
  return { kind: 'project', path: 'shared/reference/aws.md', quote };
}
