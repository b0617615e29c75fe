/**
 * A small local AWS endpoint for the scan-gate bench: just enough of Amazon ECR and Amazon
 * Inspector2 for one image whose enhanced scan completed long ago, answered in the wire shapes of
 * the botocore models (ECR: JSON 1.1 with X-Amz-Target `AmazonEC2ContainerRegistry_V20150921.*`;
 * Inspector2: REST-JSON, `POST /findings/list`, `POST /coverage/list`, …; timestamps as epoch
 * seconds, as both protocols send them). Every client the bench runs (the assetguard CLI and
 * action bundle, boto3, the AWS CLI) reaches it through `AWS_ENDPOINT_URL`.
 *
 * Faithful where the time goes: ListFindings applies the filters the gate and the DIY gates send
 * (awsAccountId, ecrImageHash, ecrImageRepositoryName, findingStatus, severity; EQUALS / NOT_EQUALS / PREFIX,
 * values of one key OR-ed, keys AND-ed) and pages at most 100 findings (maxResults 1-100, default
 * 100) with an opaque nextToken bound to the filter. Everything it does not implement — an
 * operation, a filter key, sortCriteria, a comparison — is a 400 naming it, so nothing the gate
 * relies on is silently faked. Each request is counted per `Service:Operation` and answered after
 * `latencyMs` (default 44 ms, the per-request latency measured against Inspector2 in issue 12).
 *
 * Listens on 127.0.0.1 on an ephemeral port; `stop()` closes it (the bench calls it in `finally`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { serveLoopback } from './loopback';

/** The one image the endpoint knows. `digest` is `sha256:<64 hex>`. */
export interface EndpointImage {
  registryId: string;
  region: string;
  repository: string;
  digest: string;
  tag: string;
}

/**
 * One Inspector2 finding in the SDK v3 shape (Dates allowed anywhere; they are sent as epoch
 * seconds). It must carry `findingArn`, `status`, `severity` and one ECR image resource with
 * `details.awsEcrContainerImage.{imageHash, repositoryName}`: those are what the filters read.
 */
export type EndpointFinding = Record<string, unknown>;

export interface EndpointOptions {
  image: EndpointImage;
  findings: readonly EndpointFinding[];
  /** Delay before every answer, ms (default 44). */
  latencyMs?: number;
  /** When the ECR scan completed (default 2026-01-01T00:00:00Z: long ago for the bench). */
  scanCompletedAt?: Date;
  /**
   * ECR's findingSeverityCounts as sent (ECR's keys: CRITICAL … UNDEFINED); default: the counts
   * of the image's ACTIVE findings. Tests set it to make the two sources disagree.
   */
  severityCounts?: Record<string, number>;
  /**
   * Called for every request after it is counted (tests): an error it returns is answered
   * instead of the operation's answer (e.g. 429 ThrottlingException for one severity), with the
   * same latency. `call` is the request's number for its `Service:Operation`, from 1.
   */
  fault?: (request: {
    operation: string;
    body: Record<string, unknown>;
    call: number;
  }) => { status: number; code: string; message: string } | undefined;
}

export interface BenchEndpoint {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Requests per `Service:Operation` since the start or the last `resetCalls()`. */
  calls(): Record<string, number>;
  resetCalls(): void;
  stop(): Promise<void>;
}

const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const FINDINGS_PAGE_MAX = 100;
const SCAN_PAGE_MAX = 1000;
const DEFAULT_LATENCY_MS = 44;
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';

/** An answer the endpoint refuses: status, the error code (`__type`) and a message. */
class EndpointError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string): EndpointError =>
  new EndpointError(400, 'ValidationException', message);

/** Dates to epoch seconds (the wire form of both protocols' timestamps), recursively. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (inner !== undefined) out[key] = toWire(inner);
    }
    return out;
  }
  return value;
}

interface Indexed {
  /** The values the supported filter keys compare against. */
  keys: Record<string, string>;
  /** The finding serialised once (the wire text of one list element). */
  json: string;
  severity: string;
}

/** The filter keys implemented for ListFindings, and where each reads its value. */
const FINDING_KEYS = [
  'awsAccountId',
  'ecrImageHash',
  'ecrImageRepositoryName',
  'findingStatus',
  'severity',
];
/** The keys implemented for ListCoverage. */
const COVERAGE_KEYS = [
  'resourceType',
  'ecrRepositoryName',
  'accountId',
  'resourceId',
  'scanType',
  'ecrImageTags',
];

function index(finding: EndpointFinding): Indexed {
  const resources = finding.resources as
    { details?: { awsEcrContainerImage?: Record<string, unknown> } }[] | undefined;
  const ecr = resources?.[0]?.details?.awsEcrContainerImage ?? {};
  const severity = String(finding.severity);
  return {
    keys: {
      awsAccountId: String(finding.awsAccountId),
      ecrImageHash: String(ecr.imageHash),
      ecrImageRepositoryName: String(ecr.repositoryName),
      findingStatus: String(finding.status),
      severity,
    },
    json: JSON.stringify(toWire(finding)),
    severity,
  };
}

interface StringFilter {
  comparison: string;
  value: string;
}

/**
 * Checks one filterCriteria object against the implemented keys and returns a predicate over
 * key → value. Values of one key are OR-ed for EQUALS/PREFIX and any NOT_EQUALS excludes, as
 * Inspector2 documents its StringFilter lists; keys are AND-ed.
 */
export function compileFilter(
  criteria: unknown,
  implemented: readonly string[],
  operation: string,
): (values: Record<string, string | string[]>) => boolean {
  if (criteria === undefined || criteria === null) return () => true;
  if (typeof criteria !== 'object' || Array.isArray(criteria)) {
    throw invalid(`${operation}: filterCriteria must be an object`);
  }
  const tests: [string, StringFilter[]][] = [];
  for (const [key, list] of Object.entries(criteria as Record<string, unknown>)) {
    if (!implemented.includes(key)) {
      throw invalid(
        `${operation}: filter key ${key} is not implemented by the bench endpoint (implemented: ${implemented.join(', ')})`,
      );
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw invalid(`${operation}: filterCriteria.${key} must be a non-empty list`);
    }
    for (const item of list as unknown[]) {
      const filter = item as Partial<StringFilter>;
      if (typeof filter.value !== 'string' || typeof filter.comparison !== 'string') {
        throw invalid(`${operation}: filterCriteria.${key} entries need comparison and value`);
      }
      if (!['EQUALS', 'NOT_EQUALS', 'PREFIX'].includes(filter.comparison)) {
        throw invalid(
          `${operation}: comparison ${filter.comparison} on ${key} is not implemented by the bench endpoint`,
        );
      }
    }
    tests.push([key, list as StringFilter[]]);
  }
  const matches = (actual: string, filter: StringFilter): boolean =>
    filter.comparison === 'PREFIX' ? actual.startsWith(filter.value) : actual === filter.value;
  return (values) =>
    tests.every(([key, filters]) => {
      const raw = values[key];
      const actual = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
      const positive = filters.filter((filter) => filter.comparison !== 'NOT_EQUALS');
      const negative = filters.filter((filter) => filter.comparison === 'NOT_EQUALS');
      if (negative.some((filter) => actual.some((value) => value === filter.value))) return false;
      return (
        positive.length === 0 ||
        positive.some((filter) => actual.some((value) => matches(value, filter)))
      );
    });
}

/** Opaque page token: the offset plus a hash of the request that started the listing. */
export function token(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64');
}

export function readToken(text: unknown, scope: string, operation: string): number {
  if (text === undefined || text === null) return 0;
  try {
    if (typeof text !== 'string') throw new TypeError('not a string');
    const parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as {
      o: unknown;
      s: unknown;
    };
    if (typeof parsed.o === 'number' && parsed.s === scope) return parsed.o;
  } catch {
    // falls through to the refusal below
  }
  throw invalid(`${operation}: nextToken is not one this listing handed out`);
}

export function pageSize(value: unknown, max: number, fallback: number, operation: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`${operation}: maxResults must be an integer from 1 to ${max}`);
  }
  return value;
}

export function scopeOf(body: Record<string, unknown>): string {
  const rest = { ...body };
  delete rest.nextToken;
  delete rest.maxResults;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** Starts the endpoint; resolves once it listens. */
export async function startBenchEndpoint(options: EndpointOptions): Promise<BenchEndpoint> {
  const { image } = options;
  const latencyMs = options.latencyMs ?? DEFAULT_LATENCY_MS;
  const completedAt =
    (options.scanCompletedAt ?? new Date('2026-01-01T00:00:00Z')).getTime() / 1000;
  const pushedAt = completedAt - 600;
  const indexed = options.findings.map(index);
  const imageFindings = indexed.filter(
    (entry) =>
      entry.keys.ecrImageHash === image.digest &&
      entry.keys.ecrImageRepositoryName === image.repository &&
      entry.keys.findingStatus === 'ACTIVE',
  );
  // ECR's counts of the image's ACTIVE Inspector findings (UNTRIAGED is ECR's UNDEFINED).
  let severityCounts: Record<string, number> = {};
  for (const entry of imageFindings) {
    const key = entry.severity === 'UNTRIAGED' ? 'UNDEFINED' : entry.severity;
    severityCounts[key] = (severityCounts[key] ?? 0) + 1;
  }
  if (options.severityCounts) severityCounts = { ...options.severityCounts };
  const repositoryArn = `arn:aws:ecr:${image.region}:${image.registryId}:repository/${image.repository}`;
  const imageResourceId = `${repositoryArn}/${image.digest}`;
  let counts: Record<string, number> = {};

  const scanSummary = {
    imageScanCompletedAt: completedAt,
    vulnerabilitySourceUpdatedAt: completedAt,
    findingSeverityCounts: severityCounts,
  };
  const scanStatus = { status: 'COMPLETE', description: 'The scan was completed successfully.' };

  const checkRepository = (body: Record<string, unknown>, operation: string): void => {
    if (body.repositoryName !== image.repository) {
      throw new EndpointError(
        400,
        'RepositoryNotFoundException',
        `${operation}: The repository with name '${String(body.repositoryName)}' does not exist in the registry with id '${image.registryId}'`,
      );
    }
  };
  const checkImageId = (id: unknown, operation: string): void => {
    const imageId = (id ?? {}) as { imageDigest?: string; imageTag?: string };
    const known =
      (imageId.imageDigest === undefined || imageId.imageDigest === image.digest) &&
      (imageId.imageTag === undefined || imageId.imageTag === image.tag) &&
      (imageId.imageDigest !== undefined || imageId.imageTag !== undefined);
    if (!known) {
      throw new EndpointError(
        400,
        'ImageNotFoundException',
        `${operation}: The image with imageId ${JSON.stringify(imageId)} does not exist within the repository with name '${image.repository}'`,
      );
    }
  };

  const ecr: Record<string, (body: Record<string, unknown>) => string> = {
    DescribeImages(body) {
      checkRepository(body, 'DescribeImages');
      const ids = (body.imageIds as unknown[] | undefined) ?? [{ imageDigest: image.digest }];
      ids.forEach((id) => {
        checkImageId(id, 'DescribeImages');
      });
      return JSON.stringify({
        imageDetails: [
          {
            registryId: image.registryId,
            repositoryName: image.repository,
            imageDigest: image.digest,
            imageTags: [image.tag],
            imageSizeInBytes: 48_211_342,
            imagePushedAt: pushedAt,
            imageScanStatus: scanStatus,
            imageScanFindingsSummary: scanSummary,
            imageManifestMediaType: MANIFEST_MEDIA_TYPE,
            artifactMediaType: CONFIG_MEDIA_TYPE,
            lastRecordedPullTime: completedAt,
          },
        ],
      });
    },
    DescribeImageScanFindings(body) {
      checkRepository(body, 'DescribeImageScanFindings');
      checkImageId(body.imageId, 'DescribeImageScanFindings');
      // Enhanced scanning returns the Inspector findings themselves here, paged (1-1000, default 100).
      const size = pageSize(body.maxResults, SCAN_PAGE_MAX, 100, 'DescribeImageScanFindings');
      const scope = scopeOf(body);
      const offset = readToken(body.nextToken, scope, 'DescribeImageScanFindings');
      const page = imageFindings.slice(offset, offset + size);
      const next = offset + size < imageFindings.length ? token(offset + size, scope) : undefined;
      const head = JSON.stringify({
        registryId: image.registryId,
        repositoryName: image.repository,
        imageId: { imageDigest: image.digest, imageTag: image.tag },
        imageScanStatus: scanStatus,
        ...(next && { nextToken: next }),
      });
      const findings = `{${JSON.stringify(scanSummary).slice(1, -1)},"enhancedFindings":[${page.map((entry) => entry.json).join(',')}]}`;
      return `${head.slice(0, -1)},"imageScanFindings":${findings}}`;
    },
    BatchGetImage(body) {
      checkRepository(body, 'BatchGetImage');
      const ids = (body.imageIds as unknown[] | undefined) ?? [];
      ids.forEach((id) => {
        checkImageId(id, 'BatchGetImage');
      });
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_MEDIA_TYPE,
        config: { mediaType: CONFIG_MEDIA_TYPE, digest: `sha256:${'c'.repeat(64)}`, size: 1469 },
        layers: [],
      });
      return JSON.stringify({
        images: ids.map(() => ({
          registryId: image.registryId,
          repositoryName: image.repository,
          imageId: { imageDigest: image.digest, imageTag: image.tag },
          imageManifest: manifest,
          imageManifestMediaType: MANIFEST_MEDIA_TYPE,
        })),
        failures: [],
      });
    },
    GetRegistryScanningConfiguration() {
      return JSON.stringify({
        registryId: image.registryId,
        scanningConfiguration: {
          scanType: 'ENHANCED',
          rules: [
            {
              scanFrequency: 'CONTINUOUS_SCAN',
              repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }],
            },
          ],
        },
      });
    },
    ListTagsForResource(body) {
      if (body.resourceArn !== repositoryArn) {
        throw invalid(`ListTagsForResource: ${String(body.resourceArn)} is not ${repositoryArn}`);
      }
      return JSON.stringify({ tags: [{ Key: 'team', Value: 'bench' }] });
    },
    DescribeRegistry() {
      return JSON.stringify({
        registryId: image.registryId,
        replicationConfiguration: { rules: [] },
      });
    },
  };

  const inspector: Record<string, [string, (body: Record<string, unknown>) => string]> = {
    '/findings/list': [
      'ListFindings',
      (body) => {
        if (body.sortCriteria !== undefined) {
          throw invalid('ListFindings: sortCriteria is not implemented by the bench endpoint');
        }
        const keep = compileFilter(body.filterCriteria, FINDING_KEYS, 'ListFindings');
        const size = pageSize(
          body.maxResults,
          FINDINGS_PAGE_MAX,
          FINDINGS_PAGE_MAX,
          'ListFindings',
        );
        const scope = scopeOf(body);
        const offset = readToken(body.nextToken, scope, 'ListFindings');
        // Walk from the offset (positions are in the whole set, so tokens stay valid).
        const page: string[] = [];
        let position = offset;
        for (; position < indexed.length && page.length < size; position += 1) {
          const entry = indexed[position] as Indexed;
          if (keep(entry.keys)) page.push(entry.json);
        }
        let more = false;
        for (let rest = position; rest < indexed.length; rest += 1) {
          if (keep((indexed[rest] as Indexed).keys)) {
            more = true;
            break;
          }
        }
        const next = more ? `,"nextToken":${JSON.stringify(token(position, scope))}` : '';
        return `{"findings":[${page.join(',')}]${next}}`;
      },
    ],
    '/coverage/list': [
      'ListCoverage',
      (body) => {
        const keep = compileFilter(body.filterCriteria, COVERAGE_KEYS, 'ListCoverage');
        pageSize(body.maxResults, 200, 200, 'ListCoverage');
        const resource = {
          resourceType: 'AWS_ECR_CONTAINER_IMAGE',
          resourceId: imageResourceId,
          accountId: image.registryId,
          scanType: 'PACKAGE',
          scanStatus: { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' },
          resourceMetadata: {
            ecrRepository: { name: image.repository, scanFrequency: 'CONTINUOUS_SCAN' },
            ecrImage: { tags: [image.tag], imagePulledAt: completedAt },
          },
          lastScannedAt: completedAt,
          scanMode: 'EC2_AGENTLESS',
        };
        const values = {
          resourceType: resource.resourceType,
          ecrRepositoryName: image.repository,
          accountId: image.registryId,
          resourceId: imageResourceId,
          scanType: resource.scanType,
          ecrImageTags: [image.tag],
        };
        return JSON.stringify({ coveredResources: keep(values) ? [resource] : [] });
      },
    ],
  };

  const answer = (
    response: ServerResponse,
    status: number,
    body: string,
    contentType: string,
    errorType?: string,
  ): void => {
    const headers: Record<string, string | number> = {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': 'bench-0000',
    };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    const send = (): void => {
      response.writeHead(status, headers);
      response.end(body);
    };
    if (latencyMs > 0) setTimeout(send, latencyMs);
    else send();
  };

  const handle = (request: IncomingMessage, text: string, response: ServerResponse): void => {
    const target = request.headers['x-amz-target'];
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    let service = 'unknown';
    let operation = `${request.method ?? '?'} ${path}`;
    let contentType = 'application/json';
    try {
      let handler: ((body: Record<string, unknown>) => string) | undefined;
      if (typeof target === 'string') {
        contentType = 'application/x-amz-json-1.1';
        if (target.startsWith(ECR_TARGET_PREFIX)) {
          service = 'ECR';
          operation = target.slice(ECR_TARGET_PREFIX.length);
          handler = ecr[operation];
        } else {
          operation = target;
        }
      } else if (request.method === 'POST' && inspector[path]) {
        service = 'Inspector2';
        [operation, handler] = inspector[path];
      } else if (request.method === 'POST' && /Action=/.test(text)) {
        operation = new URLSearchParams(text).get('Action') ?? operation;
      }
      counts[`${service}:${operation}`] = (counts[`${service}:${operation}`] ?? 0) + 1;
      if (!handler) {
        throw new EndpointError(
          400,
          'UnknownOperationException',
          `The bench endpoint does not implement ${service === 'unknown' ? '' : `${service} `}${operation}`,
        );
      }
      let body: Record<string, unknown>;
      try {
        body = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        throw new EndpointError(400, 'SerializationException', `${operation}: body is not JSON`);
      }
      const fault = options.fault?.({
        operation: `${service}:${operation}`,
        body,
        call: counts[`${service}:${operation}`] ?? 0,
      });
      if (fault) throw new EndpointError(fault.status, fault.code, fault.message);
      answer(response, 200, handler(body), contentType);
    } catch (error) {
      const refused =
        error instanceof EndpointError
          ? error
          : new EndpointError(500, 'InternalServerException', String(error));
      answer(
        response,
        refused.status,
        JSON.stringify({ __type: refused.code, message: refused.message }),
        contentType,
        refused.code,
      );
    }
  };

  const loopback = await serveLoopback(handle);
  return {
    url: loopback.url,
    calls: () => ({ ...counts }),
    resetCalls: () => {
      counts = {};
    },
    stop: loopback.stop,
  };
}
