/** File names the Dockerfile features and `stevedore lint` take: Dockerfile, Containerfile, *.Dockerfile, *.containerfile, Dockerfile.* */
export function isDockerfileName(name: string): boolean {
  return /^(dockerfile|containerfile)(\..+)?$/i.test(name) || /.\.(dockerfile|containerfile)$/i.test(name);
}
