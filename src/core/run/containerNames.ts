import { randomInt } from 'node:crypto';

const ADJECTIVES = ['brave', 'calm', 'eager', 'fond', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nimble', 'proud', 'quiet', 'sharp', 'sunny', 'tidy', 'vivid', 'witty', 'zealous', 'bold'];
const NOUNS = ['anchor', 'barge', 'buoy', 'cargo', 'crane', 'dock', 'ferry', 'harbor', 'hull', 'jetty', 'keel', 'mast', 'pier', 'quay', 'rudder', 'sail', 'tug', 'wharf', 'helm', 'deck'];

/** A name like Docker's `adjective_noun`, for a container created without one. */
export function randomName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NOUNS[randomInt(NOUNS.length)]}`;
}

/** Docker's rule for container names. */
export const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
