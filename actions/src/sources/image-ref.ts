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
  digest: string;
  tag?: string;
  registryId?: string;
  region: string;
}

// ECR repository names: lowercase path components separated by '/', each with ., _ or - inside.
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
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

export function formatImage(image: Pick<ResolvedImage, 'repository' | 'digest' | 'tag'>): string {
  return `${image.repository}@${image.digest}${image.tag ? ` (${image.tag})` : ''}`;
}
