// Image references as the kubelet parses them (github.com/distribution/reference, normalized):
// "nginx" is docker.io/library/nginx:latest, "registry.k8s.io/pause:3.9" stays as written.

export interface ImageReference {
  /** Registry host, e.g. "docker.io", "registry.k8s.io", "localhost:5000". */
  domain: string;
  /** Path inside the registry, e.g. "library/nginx", "e2e-test-images/agnhost". */
  path: string;
  tag?: string;
  digest?: string;
  /** domain/path, the key the image catalog is indexed by: "docker.io/library/nginx". */
  repository: string;
  /** The fully qualified reference with the default tag applied: "docker.io/library/nginx:latest". */
  normalized: string;
}

/** A reference the kubelet refuses: the container waits with reason InvalidImageName. */
export class InvalidImageNameError extends Error {
  constructor(readonly image: string, detail: string) {
    // kubelet's image manager: Failed to apply default image tag %q: couldn't parse image reference %q: %v
    super(`Failed to apply default image tag ${JSON.stringify(image)}: couldn't parse image reference ${JSON.stringify(image)}: ${detail}`);
    this.name = 'InvalidImageNameError';
  }
}

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const domainPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** Parses and normalizes an image reference; throws InvalidImageNameError as the kubelet would report it. */
export function parseImageReference(image: string): ImageReference {
  const bad = (detail = 'invalid reference format') => new InvalidImageNameError(image, detail);
  if (image === '' || image !== image.trim()) throw bad();
  if (/^[a-f0-9]{64}$/.test(image)) throw bad(`invalid repository name (${image}), cannot specify 64-byte hexadecimal strings`);

  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) throw bad();
  }

  // The first component is a registry when it looks like a host: it has a dot or a port, or is localhost.
  let domain = 'docker.io';
  let remainder = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      remainder = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = 'docker.io';

  let tag: string | undefined;
  const colon = remainder.lastIndexOf(':');
  let path = remainder;
  if (colon >= 0) {
    tag = remainder.slice(colon + 1);
    path = remainder.slice(0, colon);
    if (!tagPattern.test(tag)) throw bad();
  }
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (path.toLowerCase() !== path) throw bad(`invalid reference format: repository name (${path}) must be lowercase`);
  if (!domainPattern.test(domain) || path.split('/').some((c) => !pathComponent.test(c))) throw bad();
  if (domain.length + 1 + path.length > 255) throw bad('repository name must not be more than 255 characters');

  const repository = `${domain}/${path}`;
  let normalized = repository;
  if (tag !== undefined) normalized += `:${tag}`;
  if (digest !== undefined) normalized += `@${digest}`;
  if (tag === undefined && digest === undefined) normalized += ':latest';
  return { domain, path, tag, digest, repository, normalized };
}
