const HUB_API = 'https://hub.docker.com/v2/repositories';
const PAGES = 5;

/**
 * A Docker Hub user's repositories (`user/name`), from Hub's web API: the public ones, which need
 * no login. At most 5 pages of 100; a failure (no internet, Hub's rate limit) is an Error with the cause.
 */
export async function hubRepositories(user: string, signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<string[]> {
  const names: string[] = [];
  let next: string | null | undefined = `${HUB_API}/${encodeURIComponent(user)}/?page_size=100`;
  for (let page = 0; next && page < PAGES; page++) {
    let res: Response;
    try {
      res = await fetch(next, { signal, headers: { Accept: 'application/json' } });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new Error(`hub.docker.com could not be reached${cause ? ` (${cause})` : signal.aborted ? ' (no answer in time)' : ''}`, { cause: err });
    }
    if (!res.ok) throw new Error(`hub.docker.com answered ${res.status}`);
    const body = (await res.json()) as { next?: string | null; results?: { namespace?: string; name?: string }[] };
    for (const r of body.results ?? []) if (r.name) names.push(`${r.namespace ?? user}/${r.name}`);
    next = body.next;
  }
  return names;
}
