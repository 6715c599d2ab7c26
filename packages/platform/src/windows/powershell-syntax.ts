/**
 * Test support, never bundled (nothing in `src/index.ts` imports it): parses PowerShell with the
 * tree-sitter PowerShell grammar, compiled to WebAssembly, so Linux can check what it generates
 * for Windows without a PowerShell. A parse is no run: it finds syntax errors, not wrong cmdlets.
 */
import { createRequire } from 'node:module';
import { Language, type Node, Parser } from 'web-tree-sitter';

/** One place the grammar could not read, with a little of the text around it. */
export interface PowerShellSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** `ERROR`, or `missing X` where the parser had to invent a token. */
  kind: string;
  text: string;
}

let parser: Promise<Parser> | undefined;

async function loadParser(): Promise<Parser> {
  // The package's native binding is never built (pnpm skips its install script); its .wasm is
  // what web-tree-sitter loads.
  const wasm = createRequire(import.meta.url).resolve(
    'tree-sitter-powershell/tree-sitter-powershell.wasm',
  );
  await Parser.init();
  const p = new Parser();
  p.setLanguage(await Language.load(wasm));
  return p;
}

function collect(node: Node, out: PowerShellSyntaxError[]): void {
  if (node.isError || node.isMissing) {
    out.push({
      line: node.startPosition.row + 1,
      column: node.startPosition.column + 1,
      kind: node.isMissing ? `missing ${node.type}` : 'ERROR',
      text: node.text.slice(0, 80),
    });
    return;
  }
  if (!node.hasError) return;
  for (const child of node.children) if (child) collect(child, out);
}

/** The syntax errors of a PowerShell script (empty when it parses cleanly). */
export async function powershellSyntaxErrors(source: string): Promise<PowerShellSyntaxError[]> {
  parser ??= loadParser();
  const tree = (await parser).parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    const errors: PowerShellSyntaxError[] = [];
    collect(tree.rootNode, errors);
    return errors;
  } finally {
    tree.delete();
  }
}
