import { badParameter } from '../../errors/engine-error.js';

/**
 * Image references normalized the way Docker normalizes them, so that `busybox`,
 * `busybox:latest` and `docker.io/library/busybox:latest` name the same image.
 * The store keys tags by the fully qualified form and shows the familiar one.
 */
export interface ImageReference {
  /** Registry host (with port), `docker.io` when none is given. */
  domain: string;
  /** Repository path inside the registry, `library/` added for official Docker Hub images. */
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_REPOSITORY_PREFIX = 'library/';
const MAX_NAME_LENGTH = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const FULL_HEX_ID = /^[0-9a-f]{64}$/;

const invalid = (text: string, why: string) =>
  badParameter(`invalid reference format: ${why} (in "${text}")`);

/** Splits the registry host off a name the way Docker decides whether the first part is a host. */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isHost =
    slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let domain = isHost ? first : DEFAULT_DOMAIN;
  let path = isHost ? name.slice(slash + 1) : name;
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPOSITORY_PREFIX + path;
  return { domain, path };
}

/** Parses `[host[:port]/]path[:tag][@digest]`; throws a 400 EngineError when malformed. */
export function parseReference(text: string): ImageReference {
  if (text === '') throw invalid(text, 'empty reference');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(text, `bad digest "${digest}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `bad tag "${tag}"`);
  }
  if (FULL_HEX_ID.test(rest)) {
    throw invalid(text, 'cannot specify 64-byte hexadecimal strings as a repository name');
  }
  if (rest.length > MAX_NAME_LENGTH) {
    throw invalid(text, `repository name longer than ${MAX_NAME_LENGTH} characters`);
  }
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN.test(domain)) throw invalid(text, `bad registry host "${domain}"`);
  for (const component of path.split('/')) {
    if (PATH_COMPONENT.test(component)) continue;
    throw component.toLowerCase() !== component
      ? invalid(text, 'repository name must be lowercase')
      : invalid(text, `bad repository name component "${component}"`);
  }
  return { domain, path, tag, digest };
}

/** The fully qualified repository name: `docker.io/library/busybox`. */
export const repositoryName = (ref: ImageReference) => `${ref.domain}/${ref.path}`;

/** The short repository name Docker shows: `busybox`, `myhost:5000/app`. */
export function familiarRepository(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  const official =
    ref.path.startsWith(OFFICIAL_REPOSITORY_PREFIX) &&
    !ref.path.slice(OFFICIAL_REPOSITORY_PREFIX.length).includes('/');
  return official ? ref.path.slice(OFFICIAL_REPOSITORY_PREFIX.length) : ref.path;
}

/** A reference with its default tag filled in (none when it names a digest). */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

function render(repository: string, ref: ImageReference): string {
  const tag = ref.tag === undefined ? '' : `:${ref.tag}`;
  const digest = ref.digest === undefined ? '' : `@${ref.digest}`;
  return `${repository}${tag}${digest}`;
}

/** `docker.io/library/busybox:latest`: the key tags are stored under. */
export const qualifiedString = (ref: ImageReference) => render(repositoryName(ref), ref);

/** `busybox:latest`: the form Docker prints in RepoTags and messages. */
export const familiarString = (ref: ImageReference) => render(familiarRepository(ref), ref);

/** Normalizes a tag reference: `busybox` → `docker.io/library/busybox:latest`. */
export const normalizeReference = (text: string) =>
  qualifiedString(withDefaultTag(parseReference(text)));

/** Tells whether a text is a full image ID, `sha256:<64 hex>`. */
export const isFullImageId = (text: string) => SHA256_DIGEST.test(text);

/**
 * Reads text as an ID or ID prefix (`sha256:` optional), as Docker accepts
 * anywhere an image is named; undefined when it cannot be one.
 */
export function idPrefix(text: string): string | undefined {
  const hex = text.startsWith('sha256:') ? text.slice('sha256:'.length) : text;
  return /^[0-9a-f]{1,64}$/.test(hex) ? hex : undefined;
}

/** The 12-hex short ID Docker prints: `sha256:6d5fcfe5ff17...` → `6d5fcfe5ff17`. */
export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
