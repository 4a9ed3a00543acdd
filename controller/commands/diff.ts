export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('regionctl diff: not implemented yet\n');
  return 1;
}
