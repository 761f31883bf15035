// docker-modem's redirect-following request module, which has no types of its own.
declare module 'docker-modem/lib/http' {
  /** How many redirects docker-modem follows (its default 5). */
  const modemHttp: { maxRedirects: number };
  export default modemHttp;
}
