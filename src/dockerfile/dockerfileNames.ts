/** File names the Dockerfile features and `stevedore lint` take: Dockerfile, Containerfile, *.Dockerfile, *.containerfile, Dockerfile.* */
export function isDockerfileName(name: string): boolean {
  if (/\.(dockerignore|containerignore)$/i.test(name)) return false;
  return /^(dockerfile|containerfile)(\..+)?$/i.test(name) || /.\.(dockerfile|containerfile)$/i.test(name);
}
