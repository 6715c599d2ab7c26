/** Query values: undefined is skipped, arrays repeat the key (Syncthing's `sub` is repeatable). */
export type QueryValue = string | number | boolean | undefined | readonly string[];

/** Tagged template that percent-encodes every interpolated path segment. */
export function path(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += encodeURIComponent(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}

/** Joins a base URL (with or without a path prefix / trailing slash), a path and a query. */
export function buildUrl(
  baseUrl: string,
  pathname: string,
  query?: Record<string, QueryValue>,
): string {
  const base = baseUrl.replace(/\/+$/, '');
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return `${base}${pathname}${qs ? `?${qs}` : ''}`;
}
