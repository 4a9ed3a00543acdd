// What a terminal shows after some output: a small screen model that plays the cursor
// movements and erasures a redrawing view writes (log-update's, readline's), so tests read
// the final screen a person sees rather than the escape codes that drew it.

/** The screen's lines after `output` (from the top, trailing spaces and blank lines dropped); colours ignored. */
export function finalScreen(output: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = () => (lines[row] ??= []);
  // eslint-disable-next-line no-control-regex
  const tokens = output.matchAll(/\x1b\[(\??)([0-9;]*)([A-Za-z])|\x1b[^[]|[\s\S]/g);
  for (const [token, privateMode, params, command] of tokens) {
    if (command === undefined) {
      if (token === '\n') {
        row++;
        col = 0;
      } else if (token === '\r') col = 0;
      else if (!token.startsWith('\x1b')) line()[col++] = token;
      continue;
    }
    if (privateMode) continue; // cursor visibility, synchronized output
    const n = Number(params || '1');
    if (command === 'A') row = Math.max(0, row - n);
    else if (command === 'B') row += n;
    else if (command === 'C') col += n;
    else if (command === 'D') col = Math.max(0, col - n);
    else if (command === 'G') col = n - 1;
    else if (command === 'E' || command === 'F') [row, col] = [command === 'E' ? row + n : Math.max(0, row - n), 0];
    else if (command === 'K') {
      const mode = Number(params || '0');
      if (mode === 2) lines[row] = [];
      else if (mode === 0) line().length = Math.min(line().length, col);
      else for (let i = 0; i < col; i++) line()[i] = ' ';
    } else if (command === 'J' && Number(params || '0') === 0) {
      line().length = Math.min(line().length, col);
      lines.length = row + 1;
    }
  }
  const text = Array.from(lines, (cells) => Array.from(cells ?? [], (cell) => cell ?? ' ').join('').trimEnd());
  while (text.length > 0 && text.at(-1) === '') text.pop();
  return text;
}
