// A small Dockerfile reader: enough of the syntax for the repository's Dockerfile (ARG,
// FROM ... AS, WORKDIR, COPY [--from], RUN, ENV, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT, CMD),
// so the tests check the file's invariants against the file itself.

export interface Instruction {
  keyword: string;
  /** Everything after the keyword and its --flags. */
  args: string;
  flags: Record<string, string>;
  /** 1-based line of the instruction in the Dockerfile. */
  line: number;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let line = lines[i]!;
    if (/^\s*(#.*)?$/.test(line)) continue;
    // Continuation lines end with a backslash; comments inside are dropped.
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      line = line.slice(0, -1) + (/^\s*#/.test(next) ? '\\' : ` ${next.trim()}`);
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile line ${first}: cannot read "${line}"`);
    let rest = match[2]!.trim();
    const flags: Record<string, string> = {};
    for (;;) {
      const flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest);
      if (!flag) break;
      flags[flag[1]!] = flag[2] ?? 'true';
      rest = rest.slice(flag[0].length);
    }
    instructions.push({ keyword: match[1]!.toUpperCase(), args: rest, flags, line: first });
  }

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const base = substitute(image ?? '', globalArgs);
      stages.push({ name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), base, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`Dockerfile line ${instruction.line}: only ARG may come before the first FROM`);
      const [key, value = ''] = splitOnce(instruction.args, '=');
      globalArgs[key] = value;
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** ENV key=value pairs (one or several per line, values optionally double-quoted). */
export function envPairs(args: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const match of args.matchAll(pattern)) {
    const raw = match[2]!;
    pairs.push([match[1]!, raw.startsWith('"') ? (JSON.parse(raw) as string) : raw]);
  }
  if (pairs.length === 0) throw new Error(`ENV ${args}: use the KEY=value form`);
  return pairs;
}

/** The exec form of ENTRYPOINT / CMD: a JSON array of strings. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`expected the exec form ["..."], got ${args}`);
  return parsed;
}

/** HEALTHCHECK [options] CMD command → the command as an argv (the shell form runs in /bin/sh -c). */
export function healthcheckCommand(args: string): string[] {
  const match = /^CMD\s+(.*)$/s.exec(args.trim());
  if (!match) throw new Error(`HEALTHCHECK ${args}: expected CMD followed by a command`);
  const command = match[1]!.trim();
  return command.startsWith('[') ? execForm(command) : ['/bin/sh', '-c', command];
}

function substitute(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced: string, bare: string) => vars[braced ?? bare] ?? '');
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text.trim(), ''] : [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}
