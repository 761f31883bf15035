import type { ContainerSummary, Engine } from '../engine/engine';
import { COMPOSE_PROJECT } from '../views/containerGroups';

/**
 * What `docker compose down` does, from what the engine knows (no Compose file or plugin needed):
 * removes the project's containers, then the networks Compose made for it.
 */
export async function composeProjectDown(engine: Engine, project: string, containers: readonly ContainerSummary[]): Promise<void> {
  await Promise.all(containers.filter((c) => c.labels[COMPOSE_PROJECT] === project).map((c) => engine.removeContainer(c.id, { force: true })));
  const networks = (await engine.listNetworks()).filter((n) => n.labels[COMPOSE_PROJECT] === project);
  for (const n of networks) await engine.removeNetwork(n.id);
}
