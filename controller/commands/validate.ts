export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('regionctl validate: not implemented yet\n');
  return 1;
}
