// The text edits behind add-region / drain-region / remove-region on the shapes the
// examples do not show: empty values, CRLF files, a missing final newline, comments
// above a region, spacing inside braces.
import { describe, expect, it } from 'vitest';
import { addRegion, drainRegion, removeRegion } from '../../controller/manifest/edit.js';

const manifest = (regions: string) => `spec:\n  regions:\n${regions}other: 1\n`;

function edited(result: ReturnType<typeof addRegion>): string {
  if (!result.ok) throw new Error(`refused: ${result.message}`);
  return result.text;
}

describe('region text edits', () => {
  it('copies empty values (eu-west-1:) and fills an empty value when draining, keeping the comment as near its column as it fits', () => {
    const text = manifest('    us-east-2:   # home\n    eu-west-1:\n');
    expect(edited(addRegion(text, 'sa-east-1'))).toBe(manifest('    us-east-2:   # home\n    eu-west-1:\n    sa-east-1:\n'));
    expect(edited(drainRegion(text, 'us-east-2'))).toBe(manifest('    us-east-2: { state: drained } # home\n    eu-west-1:\n'));
  });

  it('copies braces without inner spaces', () => {
    const text = manifest('    eu-west-1: {weight: 1}\n');
    expect(edited(addRegion(text, 'sa-east-1', { weight: 5 }))).toBe(manifest('    eu-west-1: {weight: 1}\n    sa-east-1: {weight: 5}\n'));
  });

  it('keeps CRLF line endings', () => {
    const text = 'spec:\r\n  regions:\r\n    eu-west-1: {}\r\n';
    expect(edited(addRegion(text, 'sa-east-1'))).toBe('spec:\r\n  regions:\r\n    eu-west-1: {}\r\n    sa-east-1: {}\r\n');
    expect(edited(removeRegion(text, 'eu-west-1'))).toBe('spec:\r\n  regions:\r\n');
  });

  it('adds after the last line of a file without a final newline', () => {
    expect(edited(addRegion('spec:\n  regions:\n    eu-west-1: {}', 'sa-east-1'))).toBe('spec:\n  regions:\n    eu-west-1: {}\n    sa-east-1: {}\n');
  });

  it('in sorted position, goes above the comment lines that describe the next region', () => {
    const text = manifest('    ap-south-1: {}\n    # the US home region\n    us-east-1: {}\n');
    expect(edited(addRegion(text, 'sa-east-1'))).toBe(manifest('    ap-south-1: {}\n    sa-east-1: {}\n    # the US home region\n    us-east-1: {}\n'));
  });

  it('after the last region of a block mapping, below all of its lines', () => {
    const text = manifest('    us-east-1:\n      failover: PRIMARY\n    eu-west-1:\n      failover: SECONDARY\n');
    expect(edited(addRegion(text, 'sa-east-1'))).toBe(manifest('    us-east-1:\n      failover: PRIMARY\n    eu-west-1:\n      failover: SECONDARY\n    sa-east-1: {}\n'));
  });

  it('refuses a flow-style regions mapping, which has no line per region', () => {
    expect(addRegion('spec:\n  regions: { eu-west-1: {} }\n', 'sa-east-1')).toEqual({
      ok: false,
      message: 'spec.regions is written as a flow mapping ({ ... }); write one region per line to edit it with regionctl',
    });
  });

  it('drains a flow mapping written over two lines on its last line', () => {
    expect(edited(drainRegion(manifest('    eu-west-1: {\n      weight: 1 }\n'), 'eu-west-1'))).toBe(manifest('    eu-west-1: {\n      weight: 1, state: drained }\n'));
  });
});
