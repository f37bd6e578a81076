import { randomInt } from 'node:crypto';

const adjectives = [
  'brave',
  'calm',
  'eager',
  'fancy',
  'gentle',
  'happy',
  'jolly',
  'keen',
  'lucid',
  'merry',
  'nifty',
  'proud',
  'quick',
  'sharp',
  'tender',
  'vivid',
  'witty',
  'zen',
  'bold',
  'cool',
];
const nouns = [
  'turing',
  'hopper',
  'lovelace',
  'noether',
  'curie',
  'darwin',
  'euler',
  'gauss',
  'hypatia',
  'kepler',
  'lamport',
  'liskov',
  'knuth',
  'ritchie',
  'thompson',
  'torvalds',
  'wing',
  'yalow',
];

/** A Docker-style random container name, `adjective_scientist`. */
export function randomName(taken: (name: string) => boolean): string {
  for (;;) {
    const name = `${adjectives[randomInt(adjectives.length)]}_${nouns[randomInt(nouns.length)]}`;
    const candidate = taken(name) ? `${name}${randomInt(100)}` : name;
    if (!taken(candidate)) return candidate;
  }
}
