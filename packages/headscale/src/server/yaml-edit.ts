/**
 * Setting a few values in a YAML file a person may have written, keeping every other byte: the
 * `yaml` library's own re-rendering would restyle flow maps, quotes and spacing throughout.
 */

import { isDeepStrictEqual } from 'node:util';
import { type Document, isMap, isNode, parseDocument, stringify } from 'yaml';
import { HeadscaleConfigError } from '../errors.js';

/** One value to set: its key path from the top of the document, and the value. */
export interface YamlEdit {
  path: readonly string[];
  value: string | number | boolean | readonly never[];
}

/**
 * Returns `text` with each edit applied. A value already there is replaced in place (a comment
 * after it stays); a missing key is added as the first entry of its map, or at the end of the
 * file when the map is the top level; only shapes neither covers (a flow map, a key whose parent
 * is empty) fall back to re-rendering the document, comments kept. Edits that change nothing
 * leave `text` as it is, so applying them twice equals applying them once.
 * @throws {HeadscaleConfigError} when `text` is not YAML, or an edit did not take.
 */
export function editYaml(text: string, edits: readonly YamlEdit[], what = 'the YAML file'): string {
  let out = text;
  for (const edit of edits) {
    out = editOne(out, edit, what);
    // A guard against a splice in the wrong place: the file must read back with the value.
    const check = parseDocument(out);
    if (check.errors.length > 0 || !isDeepStrictEqual(jsAt(check, edit.path), edit.value)) {
      throw new HeadscaleConfigError(`could not set ${edit.path.join('.')} in ${what}`, {
        hint: `set ${edit.path.join('.')} to ${inline(edit.value)} by hand`,
      });
    }
  }
  return out;
}

function editOne(text: string, edit: YamlEdit, what: string): string {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) {
    throw new HeadscaleConfigError(
      `${what} is not valid YAML: ${(error.message.split('\n')[0] ?? '').replace(/:$/, '')}`,
      { cause: error, hint: `fix ${what} at the line named, then run the command again` },
    );
  }
  const { path, value } = edit;
  if (isDeepStrictEqual(jsAt(doc, path), value)) return text;

  const current = doc.getIn(path, true);
  if (isNode(current) && current.range) {
    const [start, end] = current.range;
    // A block collection's range runs to the end of its last line: keep that line break.
    const newline = text.slice(start, end).endsWith('\n') ? '\n' : '';
    return text.slice(0, start) + inline(value) + newline + text.slice(end);
  }

  // Missing: add it under the deepest map that exists.
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const parent = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (parent === undefined || parent === null) continue;
    if (!isMap(parent) || parent.flow || parent.items.length === 0) break;
    const block = blockOf(path.slice(depth), value);
    if (depth === 0) return `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${block}`;
    const first = parent.items[0]?.key;
    const at = isNode(first) ? first.range?.[0] : undefined;
    if (at === undefined) break;
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    const indent = text.slice(lineStart, at);
    if (!/^[ ]*$/.test(indent)) break;
    const lines = block.replace(/\n$/, '').split('\n');
    return `${text.slice(0, lineStart)}${lines.map((l) => indent + l).join('\n')}\n${text.slice(lineStart)}`;
  }
  try {
    doc.setIn(path, value);
  } catch (cause) {
    // e.g. `logtail: true` where `logtail.enabled` is wanted: no map to put the key in.
    throw new HeadscaleConfigError(`${what}: ${path.slice(0, -1).join('.')} is not a mapping`, {
      cause,
      hint: `set ${path.join('.')} to ${inline(value)} by hand`,
    });
  }
  return doc.toString({ lineWidth: 0 });
}

/** The plain value at `path` (`getIn` alone gives collections as nodes). */
function jsAt(doc: Document, path: readonly string[]): unknown {
  const node = doc.getIn(path, true);
  return isNode(node) ? node.toJSON() : node;
}

/** `value` as it sits after `key: ` on one line. */
function inline(value: YamlEdit['value']): string {
  return stringify(value, { lineWidth: 0, collectionStyle: 'flow' }).trimEnd();
}

/** `a:\n  b: value\n` for the key path `[a, b]`. */
function blockOf(keys: readonly string[], value: YamlEdit['value']): string {
  let nested: unknown = value;
  for (const key of [...keys].reverse()) nested = { [key]: nested };
  return stringify(nested, { lineWidth: 0 });
}
