/** Reads Prometheus text from an app. */
export async function scrape(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (!res.ok) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}`);
  return res.text();
}

/**
 * The value of one series: `name` with at least the given labels (the `app` label and others
 * not named are ignored). Undefined when no series matches; throws when several do.
 */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)));
  if (matches.length > 1)
    throw new Error(`${name} ${JSON.stringify(labels)} matches ${matches.length} series`);
  return matches.length ? Number(matches[0]!.slice(matches[0]!.lastIndexOf(' ') + 1)) : undefined;
}
