/** One line of a text file with the line ending it had, so untouched lines round-trip byte for byte. */
export interface Line {
  text: string;
  eol: '' | '\n' | '\r\n';
}

export interface TextDoc {
  bom: string;
  lines: Line[];
  /** The ending new lines get: CRLF when the file mostly uses it. */
  eol: '\n' | '\r\n';
}

export function parseLines(content: string): TextDoc {
  const bom = content.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = content.slice(bom.length);
  const lines: Line[] = [];
  const re = /([^\n]*?)(\r?\n|$)/gy;
  let crlf = 0;
  let lf = 0;
  while (re.lastIndex < body.length) {
    const m = re.exec(body);
    if (!m) break;
    const eol = (m[2] ?? '') as Line['eol'];
    if (eol === '\r\n') crlf++;
    else if (eol === '\n') lf++;
    lines.push({ text: m[1] ?? '', eol });
  }
  return { bom, lines, eol: crlf > lf ? '\r\n' : '\n' };
}

export function renderLines(doc: TextDoc): string {
  return doc.bom + doc.lines.map((l) => l.text + l.eol).join('');
}

/** Makes sure the last line ends with a newline before something is appended after it. */
export function terminateLast(doc: TextDoc): void {
  const last = doc.lines.at(-1);
  if (last && last.eol === '') last.eol = doc.eol;
}
