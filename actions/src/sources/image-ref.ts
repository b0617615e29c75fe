import { ConfigurationError } from '../core/errors';

export interface ImageRef {
  /** The text the user gave, for messages. */
  text: string;
  repository: string;
  tag?: string;
  digest?: string;
  /** 12-digit account of the registry, from a full ECR URI. */
  registryId?: string;
  /** Region of the registry, from a full ECR URI. */
  region?: string;
}

/** An image whose tag has been resolved: from here on everything is by digest. */
export interface ResolvedImage {
  repository: string;
  /** The digest of one image manifest: what ECR and Inspector2 scan. */
  digest: string;
  tag?: string;
  registryId?: string;
  region: string;
  /**
   * Set on a platform manifest reached through an image index (multi-platform build): its platform
   * (`linux/arm64/v8`), as the index declares it.
   */
  platform?: string;
  /** The image index the platform manifest was reached through, and the tag that named it. */
  index?: { digest: string; tag?: string };
}

// ECR repository names: lowercase path components separated by '/', each with ., _ or - inside.
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** True for a sha256 image digest as ECR writes it: `sha256:` and 64 lowercase hex digits. */
export function isImageDigest(text: string): boolean {
  return DIGEST.test(text);
}
const REGISTRY_HOST =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

const FORMATS =
  'repo:tag, repo@sha256:<64 hex>, or <account>.dkr.ecr.<region>.amazonaws.com/repo:tag';

function invalid(text: string, why: string): ConfigurationError {
  return new ConfigurationError(`image: "${text}" ${why}; expected ${FORMATS}`);
}

/** Parses `repo:tag`, `repo@sha256:…`, or a full ECR URI (with tag or digest). */
export function parseImageRef(input: string): ImageRef {
  const text = input.trim();
  if (text === '') throw invalid(input, 'is empty');
  let rest = text;
  let registryId: string | undefined;
  let region: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0 && rest.slice(0, slash).includes('.')) {
    const host = rest.slice(0, slash);
    const match = REGISTRY_HOST.exec(host);
    if (!match)
      throw invalid(text, `names registry "${host}", which is not an Amazon ECR private registry`);
    registryId = match[1];
    region = match[2];
    rest = rest.slice(slash + 1);
  }
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      throw invalid(text, `has digest "${digest}", which is not sha256:<64 lowercase hex>`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `has tag "${tag}", which is not a valid image tag`);
  }
  if (!REPOSITORY.test(rest))
    throw invalid(text, `has repository "${rest}", which is not a valid ECR repository name`);
  if (tag === undefined && digest === undefined) {
    throw invalid(text, 'has neither a tag nor a digest (assetguard never assumes :latest)');
  }
  return {
    text,
    repository: rest,
    ...(tag !== undefined && { tag }),
    ...(digest !== undefined && { digest }),
    ...(registryId !== undefined && { registryId }),
    ...(region !== undefined && { region }),
  };
}

/**
 * The name of an image in messages: `web@sha256:… (1.4.2)`, or for a platform manifest of an
 * index `web@sha256:… (linux/arm64 of 1.4.2)`.
 */
export function formatImage(
  image: Pick<ResolvedImage, 'repository' | 'digest' | 'tag' | 'platform' | 'index'>,
): string {
  const name = `${image.repository}@${image.digest}`;
  if (image.platform !== undefined) {
    const of = image.index ? ` of ${image.index.tag ?? image.index.digest}` : '';
    return `${name} (${image.platform}${of})`;
  }
  return `${name}${image.tag ? ` (${image.tag})` : ''}`;
}
