/** The fields of os-release(5) Mesh uses. */
export interface OsRelease {
  /** Lower-case distro id: `ubuntu`, `debian`, `fedora`, ... */
  id: string;
  /** Distros this one is like (`ID_LIKE`), for example `['debian']` on Ubuntu. */
  idLike: string[];
  name?: string;
  prettyName?: string;
  versionId?: string;
  versionCodename?: string;
  /** Every key as read, unquoted. */
  raw: Record<string, string>;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) {
    const inner = v.slice(1, -1);
    // os-release follows shell quoting: inside double quotes \" \\ \$ \` are escapes.
    return v[0] === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
  }
  return v;
}

/** Parses /etc/os-release (or /usr/lib/os-release) text. */
export function parseOsRelease(text: string): OsRelease {
  const raw: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m?.[1]) raw[m[1]] = unquote(m[2] ?? '');
  }
  const get = (k: string) => raw[k];
  const optional = (key: keyof OsRelease, k: string) => {
    const v = get(k);
    return v === undefined ? {} : { [key]: v };
  };
  return {
    id: (get('ID') ?? 'linux').toLowerCase(),
    idLike: (get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    ...optional('name', 'NAME'),
    ...optional('prettyName', 'PRETTY_NAME'),
    ...optional('versionId', 'VERSION_ID'),
    ...optional('versionCodename', 'VERSION_CODENAME'),
    raw,
  };
}
