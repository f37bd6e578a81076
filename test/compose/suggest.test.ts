import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from '../../src/compose/suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['image', 'image', 0],
    ['imgae', 'image', 1],
    ['kitten', 'sitting', 3],
    ['port', 'ports', 1],
    ['', 'abc', 3],
  ])('%s -> %s is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
  });
});

describe('closestMatch', () => {
  it('finds a plausible typo', () => {
    expect(closestMatch('enviroment', ['environment', 'entrypoint', 'env_file'])).toBe(
      'environment',
    );
    expect(didYouMean('prots', ['ports', 'expose'])).toBe("did you mean 'ports'?");
  });

  it('refuses a distant name', () => {
    expect(closestMatch('zzz', ['environment', 'image'])).toBeUndefined();
  });
});
