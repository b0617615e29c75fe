/**
 * A small local AWS endpoint holding a whole estate, for the `--tags-apply` and `--daily-report`
 * bench sections: exactly the operations `assetguard tags apply` and `assetguard report`
 * (`--compliance-source config` and `securityhub`) send, in the wire shapes of the botocore models, with the
 * services' documented limits. Every client reaches it through `AWS_ENDPOINT_URL`; the service
 * is told by the SigV4 credential scope (`Credential=…/<region>/<service>/aws4_request`).
 *
 * - sts (query, XML): GetCallerIdentity.
 * - tagging (JSON 1.1, `ResourceGroupsTaggingAPI_20170126.*`): GetTagKeys and GetTagValues
 *   (Key required; one page each; what the compliance sources ask when a `--scope` selects
 *   nothing), GetResources (ResourcesPerPage
 *   1-100, default 100 here; PaginationToken, `""` on the last page; TagFilters, keys AND-ed and
 *   values OR-ed; ResourceTypeFilters, `service` or `service:type` as in ARNs; or ResourceARNList of 1-100 ARNs, never together with paging parameters or
 *   TagFilters; only resources that carry or carried tags are listed, as AWS documents) and
 *   TagResources (ResourceARNList 1-20, Tags 1-50, InvalidParameterException beyond; keys with the
 *   `aws:` prefix refused; an unknown ARN or one that would carry over 50 tags reported in
 *   FailedResourcesMap). Writes are visible to the next GetResources.
 * - config (JSON 1.1, `StarlingDoveService.*`): ListDiscoveredResources (limit 0-100, 0 = 100;
 *   nextToken), BatchGetResourceConfig (1-100 keys), DescribeConfigRules (25 per page),
 *   DescribeComplianceByConfigRule (ConfigRuleNames ≤25), GetComplianceDetailsByConfigRule
 *   (Limit 0-100, default 10; ComplianceTypes).
 * - inspector2 (REST-JSON): BatchGetAccountStatus (`POST /status/batch/get`, every scan type
 *   ENABLED), ListFindings (`POST /findings/list`, filters findingStatus, resourceType,
 *   awsAccountId, severity, ecrImageHash, ecrImageRepositoryName; maxResults 1-100).
 * - ec2 (EC2 query, XML): DescribeTags filtered by resource-id (what the tag reader sends).
 * - s3 (REST-XML, path style): GetBucketTagging (404 NoSuchTagSet for a bucket without tags).
 * - securityhub (REST-JSON), what `report --compliance-source securityhub` sends
 *   (sources/securityhub, sources/rule-results): GetFindings (`POST /findings`; MaxResults 1-100,
 *   default 100; NextToken; Filters on the fields in SECURITY_HUB_FILTER_FIELDS, up to 10 fields
 *   of up to 20 values, StringFilter comparisons EQUALS and PREFIX OR-ed within a field,
 *   NOT_EQUALS and PREFIX_NOT_EQUALS AND-ed, fields AND-ed, EQUALS beside NOT_EQUALS on one field
 *   refused, as the model's StringFilter documents; SortCriteria refused), GetEnabledStandards
 *   (`POST /standards/get`; AWS Foundational Security Best Practices READY; MaxResults 1-100,
 *   StandardsSubscriptionArns 1-25), BatchGetSecurityControls (`POST /securityControls/batchGet`;
 *   ids or ARNs; unknown ones in UnprocessedIds as RESOURCE_NOT_FOUND). Errors are
 *   InvalidInputException (400), as Security Hub answers a bad parameter.
 *
 * Anything else — an operation, a filter key, a parameter it does not implement — answers 400
 * naming it, so nothing a command relies on is silently faked. Requests are counted per
 * `service:Operation`, and each is answered after `latencyMs` (default 44 ms, the per-request
 * latency measured against Inspector2 in issue 12). Listens on 127.0.0.1 (ephemeral port);
 * `stop()` closes it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveLoopback } from './loopback';
import { compileFilter, readToken, scopeOf, toWire, token } from './endpoint';
import type { Estate, EstateResource } from './estate';

export interface EstateEndpointOptions {
  estate: Estate;
  /** Delay before every answer, ms (default 44). */
  latencyMs?: number;
  /**
   * Per-operation request rates (token buckets, keyed `service:Operation`), off by default: a
   * request with no token left is answered 429 with `code` and counted again as
   * `service:Operation throttled`. SECURITY_HUB_THROTTLE holds Security Hub's documented ones.
   */
  rateLimits?: Record<string, { perSecond: number; burst: number; code: string }>;
}

/**
 * Security Hub's documented throttling (the botocore model's service documentation):
 * GetFindings 3 requests per second, burst 6; every other operation 10, burst 30. Throttled
 * requests are LimitExceededException (429 in the model).
 */
export const SECURITY_HUB_THROTTLE: NonNullable<EstateEndpointOptions['rateLimits']> = {
  'securityhub:GetFindings': { perSecond: 3, burst: 6, code: 'LimitExceededException' },
  'securityhub:GetEnabledStandards': { perSecond: 10, burst: 30, code: 'LimitExceededException' },
  'securityhub:BatchGetSecurityControls': {
    perSecond: 10,
    burst: 30,
    code: 'LimitExceededException',
  },
};

export interface EstateEndpoint {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Requests per `service:Operation` since the start or the last `resetCalls()`. */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** The tags each resource carries now, by ARN (a copy). */
  tags(): Map<string, Record<string, string>>;
  /** Back to the seeded tags (between bench runs). */
  resetTags(): void;
  stop(): Promise<void>;
}

/**
 * GetResources ResourceTypeFilters: each `service` or `service:resource-type`, as embedded in
 * ARNs ("ec2", "ec2:instance"); an ARN matches when one filter does. Absent or empty: all.
 */
function typeFilter(filters: unknown): (arn: string) => boolean {
  if (filters === undefined) return () => true;
  if (
    !Array.isArray(filters) ||
    filters.length > 100 ||
    !filters.every((f) => typeof f === 'string' && /^[a-z0-9-]+(:[A-Za-z0-9-]+)?$/.test(f))
  ) {
    throw new Refusal(
      400,
      'InvalidParameterException',
      'GetResources: ResourceTypeFilters must be up to 100 strings of the form service[:resourceType]',
    );
  }
  if (filters.length === 0) return () => true;
  const wanted = (filters as string[]).map((f) => f.split(':'));
  return (arn) => {
    const [, , service, , , ...rest] = arn.split(':');
    const resource = rest.join(':');
    return wanted.some(
      ([want, type]) =>
        want === service &&
        (type === undefined || resource.startsWith(`${type}/`) || resource.startsWith(`${type}:`)),
    );
  };
}

const DEFAULT_LATENCY_MS = 44;
const TAGGING_PREFIX = 'ResourceGroupsTaggingAPI_20170126.';
const CONFIG_PREFIX = 'StarlingDoveService.';
/** TagResources: ResourceARNListForTagUntag max 20; TagMap 1-50 (botocore model). */
export const MAX_ARNS_PER_TAG_CALL = 20;
const MAX_TAGS = 50;
const MAX_ARNS_PER_GET = 100;
const MAX_RESOURCES_PER_PAGE = 100;
const CONFIG_LIMIT_MAX = 100;
const RULES_PER_PAGE = 25;
/** A string field's value; '' for anything else (absent fields compare as ''). */
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const member = (value: unknown, key: string): unknown =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
const resourcesOf = (finding: Record<string, unknown>): Record<string, unknown>[] =>
  Array.isArray(finding.Resources) ? (finding.Resources as Record<string, unknown>[]) : [];

/**
 * GetFindings filter fields implemented, and where each reads its value in an ASFF finding
 * (`Resources[]` fields match when any resource's value does).
 */
const SECURITY_HUB_FILTER_FIELDS: Record<string, (finding: Record<string, unknown>) => string[]> = {
  ProductArn: (f) => [text(f.ProductArn)],
  AwsAccountId: (f) => [text(f.AwsAccountId)],
  Region: (f) => [text(f.Region)],
  GeneratorId: (f) => [text(f.GeneratorId)],
  Title: (f) => [text(f.Title)],
  SeverityLabel: (f) => [text(member(f.Severity, 'Label'))],
  ComplianceStatus: (f) => [text(member(f.Compliance, 'Status'))],
  ComplianceSecurityControlId: (f) => [text(member(f.Compliance, 'SecurityControlId'))],
  RecordState: (f) => [text(f.RecordState)],
  WorkflowStatus: (f) => [text(member(f.Workflow, 'Status'))],
  ResourceType: (f) => resourcesOf(f).map((resource) => text(resource.Type)),
  ResourceId: (f) => resourcesOf(f).map((resource) => text(resource.Id)),
};
/** GetFindings: "You can filter by up to 10 finding attributes ... up to 20 filter values" (model). */
const FILTER_FIELDS_MAX = 10;
const FILTER_VALUES_MAX = 20;
const SECURITY_HUB_PAGE_MAX = 100;
const FSBP = 'aws-foundational-security-best-practices/v/1.0.0';

const invalidInput = (message: string): Refusal =>
  new Refusal(400, 'InvalidInputException', message);

/** The offset a NextToken this endpoint handed out for `scope` holds; else InvalidInputException. */
function securityHubToken(text: unknown, scope: string, operation: string): number {
  try {
    return readToken(text, scope, operation);
  } catch {
    throw invalidInput(`${operation}: NextToken is not one this listing handed out`);
  }
}

/**
 * Compiles GetFindings `Filters` (AwsSecurityFindingFilters) into a test over a finding's
 * indexed field values, with the semantics the botocore model documents for StringFilter:
 * EQUALS and PREFIX on one field are OR-ed; NOT_EQUALS and PREFIX_NOT_EQUALS AND-ed (applied
 * after PREFIX); EQUALS beside a NOT_ comparison on one field is an error; fields are AND-ed.
 * A field whose value is a list (Resources[]) matches when one of its values does.
 * @throws Refusal InvalidInputException for a malformed filter, more than 10 fields or 20 values
 *   in one, and for a field or comparison (CONTAINS, NOT_CONTAINS, CONTAINS_WORD) not implemented.
 */
export function compileSecurityHubFilters(
  filters: unknown,
): (values: Record<string, string[]>) => boolean {
  if (filters === undefined || filters === null) return () => true;
  if (typeof filters !== 'object' || Array.isArray(filters)) {
    throw invalidInput('GetFindings: Filters must be an object');
  }
  const fields = Object.entries(filters as Record<string, unknown>).filter(
    ([, list]) => list !== undefined && list !== null,
  );
  if (fields.length > FILTER_FIELDS_MAX) {
    throw invalidInput(
      `GetFindings: Filters may use at most ${FILTER_FIELDS_MAX} finding attributes (got ${fields.length})`,
    );
  }
  const tests: ((values: Record<string, string[]>) => boolean)[] = [];
  for (const [field, list] of fields) {
    if (!Object.hasOwn(SECURITY_HUB_FILTER_FIELDS, field)) {
      throw invalidInput(
        `GetFindings: filter field ${field} is not implemented by the bench endpoint (implemented: ${Object.keys(SECURITY_HUB_FILTER_FIELDS).join(', ')})`,
      );
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw invalidInput(`GetFindings: Filters.${field} must be a non-empty list of StringFilter`);
    }
    if (list.length > FILTER_VALUES_MAX) {
      throw invalidInput(
        `GetFindings: Filters.${field} may hold at most ${FILTER_VALUES_MAX} values (got ${list.length})`,
      );
    }
    const positive: ((value: string) => boolean)[] = [];
    const negative: ((value: string) => boolean)[] = [];
    let equals = false;
    for (const item of list as unknown[]) {
      const value = member(item, 'Value');
      const comparison = member(item, 'Comparison');
      if (typeof value !== 'string' || value === '' || typeof comparison !== 'string') {
        throw invalidInput(`GetFindings: Filters.${field} entries need a Value and a Comparison`);
      }
      if (comparison === 'EQUALS') {
        equals = true;
        positive.push((text) => text === value);
      } else if (comparison === 'PREFIX') positive.push((text) => text.startsWith(value));
      else if (comparison === 'NOT_EQUALS') negative.push((text) => text !== value);
      else if (comparison === 'PREFIX_NOT_EQUALS') negative.push((text) => !text.startsWith(value));
      else {
        throw invalidInput(
          `GetFindings: comparison ${comparison} on ${field} is not implemented by the bench endpoint (implemented: EQUALS, PREFIX, NOT_EQUALS, PREFIX_NOT_EQUALS)`,
        );
      }
    }
    if (equals && negative.length > 0) {
      throw invalidInput(
        `GetFindings: Filters.${field} cannot combine EQUALS with NOT_EQUALS or PREFIX_NOT_EQUALS`,
      );
    }
    tests.push((values) => {
      const seen = values[field] ?? [];
      if (positive.length > 0 && !seen.some((text) => positive.some((test) => test(text)))) {
        return false;
      }
      return seen.every((text) => negative.every((test) => test(text)));
    });
  }
  return (values) => tests.every((test) => test(values));
}

const FINDING_KEYS = [
  'findingStatus',
  'resourceType',
  'awsAccountId',
  'severity',
  'ecrImageHash',
  'ecrImageRepositoryName',
];

/** A refusal: HTTP status, the error code and a message. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const xml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (char) =>
      ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] ?? char,
  );

/** An integer in [min, max] or the fallback when absent; else a refusal naming the parameter. */
function limit(
  value: unknown,
  [min, max]: [number, number],
  fallback: number,
  what: string,
  code = 'InvalidParameterException',
): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Refusal(400, code, `${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Only these keys of the request body are implemented; any other is refused by name. */
function only(body: Record<string, unknown>, keys: readonly string[], operation: string): void {
  for (const key of Object.keys(body)) {
    if (!keys.includes(key) && body[key] !== undefined) {
      throw new Refusal(
        400,
        'InvalidParameterException',
        `${operation}: parameter ${key} is not implemented by the bench endpoint`,
      );
    }
  }
}

/** A page over `items` from the token's offset, with the next token bound to the request. */
function page<T>(
  items: readonly T[],
  size: number,
  tokenText: unknown,
  scope: string,
  operation: string,
): { items: T[]; next: string | undefined } {
  const offset = readToken(tokenText === '' ? undefined : tokenText, scope, operation);
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    next: end < items.length ? token(end, scope) : undefined,
  };
}

/** Starts the endpoint over a copy of the estate's tags; resolves once it listens. */
export async function startEstateEndpoint(options: EstateEndpointOptions): Promise<EstateEndpoint> {
  const { estate } = options;
  const latencyMs = options.latencyMs ?? DEFAULT_LATENCY_MS;
  const account = estate.accountId;
  const region = estate.region;
  const resources = [...estate.resources].sort((a, b) => (a.arn < b.arn ? -1 : 1));
  const byKey = new Map(resources.map((resource) => [`${resource.type}|${resource.id}`, resource]));
  const byType = new Map<string, EstateResource[]>();
  for (const resource of resources) {
    const list = byType.get(resource.type) ?? [];
    list.push(resource);
    byType.set(resource.type, list);
  }
  let tags = new Map<string, Record<string, string>>();
  /** ARNs that carry or once carried tags: the Tagging API lists those only. */
  let everTagged = new Set<string>();
  const resetTags = (): void => {
    tags = new Map(resources.map((resource) => [resource.arn, { ...resource.tags }]));
    everTagged = new Set(
      resources.filter((resource) => Object.keys(resource.tags).length > 0).map((r) => r.arn),
    );
  };
  resetTags();
  const rules = new Map(estate.rules.map((rule) => [rule.name, rule]));
  const ruleNames = [...rules.keys()].sort();
  const findings = estate.findings.map((finding) => {
    const resource = (finding.resources as Record<string, unknown>[])[0] ?? {};
    const details = resource.details as
      { awsEcrContainerImage?: Record<string, unknown> } | undefined;
    const ecr = details?.awsEcrContainerImage;
    return {
      keys: {
        findingStatus: String(finding.status),
        resourceType: String(resource.type),
        awsAccountId: String(finding.awsAccountId),
        severity: String(finding.severity),
        ...(ecr && {
          ecrImageHash: String(ecr.imageHash),
          ecrImageRepositoryName: String(ecr.repositoryName),
        }),
      },
      json: JSON.stringify(toWire(finding)),
    };
  });
  // Control findings indexed once: each filter field's values, and the wire text.
  const controlFindings = (estate.controlFindings ?? []).map((finding) => ({
    values: Object.fromEntries(
      Object.entries(SECURITY_HUB_FILTER_FIELDS).map(([field, read]) => [field, read(finding)]),
    ),
    json: JSON.stringify(finding),
  }));
  const controls = new Map((estate.controls ?? []).map((control) => [control.id, control]));
  const recordedAt = Date.parse('2026-11-22T05:00:00Z') / 1000;
  /** Tokens left and when they were last refilled, per rate-limited `service:Operation`. */
  const buckets = new Map(
    Object.entries(options.rateLimits ?? {}).map(([key, rate]) => [
      key,
      { rate, tokens: rate.burst, at: performance.now() },
    ]),
  );
  /** Takes a token for `key`; false when its bucket is empty (the request is throttled). */
  const admit = (key: string): boolean => {
    const bucket = buckets.get(key);
    if (bucket === undefined) return true;
    const now = performance.now();
    bucket.tokens = Math.min(
      bucket.rate.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * bucket.rate.perSecond,
    );
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
  let counts: Record<string, number> = {};

  const mappings = (arns: readonly string[]): string =>
    arns
      .map((arn) =>
        JSON.stringify({
          ResourceARN: arn,
          Tags: Object.entries(tags.get(arn) ?? {}).map(([Key, Value]) => ({ Key, Value })),
        }),
      )
      .join(',');

  const tagging: Record<string, (body: Record<string, unknown>) => string> = {
    GetResources(body) {
      only(
        body,
        [
          'ResourceARNList',
          'ResourcesPerPage',
          'PaginationToken',
          'TagFilters',
          'ResourceTypeFilters',
        ],
        'GetResources',
      );
      const list = body.ResourceARNList;
      if (list !== undefined) {
        if (
          body.ResourcesPerPage !== undefined ||
          body.PaginationToken !== undefined ||
          body.TagFilters !== undefined ||
          body.ResourceTypeFilters !== undefined
        ) {
          throw new Refusal(
            400,
            'InvalidParameterException',
            'GetResources: ResourceARNList cannot be combined with paging parameters, TagFilters or ResourceTypeFilters',
          );
        }
        if (!Array.isArray(list) || list.length < 1 || list.length > MAX_ARNS_PER_GET) {
          throw new Refusal(
            400,
            'InvalidParameterException',
            `GetResources: ResourceARNList must hold 1 to ${MAX_ARNS_PER_GET} ARNs`,
          );
        }
        const found = (list as string[]).filter((arn) => everTagged.has(arn));
        return `{"PaginationToken":"","ResourceTagMappingList":[${mappings(found)}]}`;
      }
      const size = limit(
        body.ResourcesPerPage,
        [1, MAX_RESOURCES_PER_PAGE],
        MAX_RESOURCES_PER_PAGE,
        'GetResources: ResourcesPerPage',
      );
      const filters = (body.TagFilters as { Key?: string; Values?: string[] }[] | undefined) ?? [];
      const matches = (arn: string): boolean => {
        const carried = tags.get(arn) ?? {};
        return filters.every(
          ({ Key, Values }) =>
            Key !== undefined &&
            Object.hasOwn(carried, Key) &&
            (Values === undefined || Values.length === 0 || Values.includes(carried[Key] ?? '')),
        );
      };
      const ofType = typeFilter(body.ResourceTypeFilters);
      const listed = resources.filter(
        (r) => everTagged.has(r.arn) && ofType(r.arn) && matches(r.arn),
      );
      const scope = scopeOf({ ...body, PaginationToken: undefined, ResourcesPerPage: undefined });
      const { items, next } = page(listed, size, body.PaginationToken, scope, 'GetResources');
      return `{"PaginationToken":${JSON.stringify(next ?? '')},"ResourceTagMappingList":[${mappings(items.map((r) => r.arn))}]}`;
    },
    GetTagKeys(body) {
      only(body, ['PaginationToken'], 'GetTagKeys');
      readToken(
        body.PaginationToken === '' ? undefined : body.PaginationToken,
        'keys',
        'GetTagKeys',
      );
      const keys = new Set<string>();
      for (const carried of tags.values()) for (const key of Object.keys(carried)) keys.add(key);
      return JSON.stringify({ PaginationToken: '', TagKeys: [...keys].sort() });
    },
    GetTagValues(body) {
      only(body, ['Key', 'PaginationToken'], 'GetTagValues');
      if (typeof body.Key !== 'string' || body.Key === '') {
        throw new Refusal(400, 'InvalidParameterException', 'GetTagValues: Key is required');
      }
      readToken(
        body.PaginationToken === '' ? undefined : body.PaginationToken,
        'values',
        'GetTagValues',
      );
      const values = new Set<string>();
      for (const carried of tags.values()) {
        const value = carried[body.Key];
        if (value !== undefined) values.add(value);
      }
      return JSON.stringify({ PaginationToken: '', TagValues: [...values].sort() });
    },
    TagResources(body) {
      only(body, ['ResourceARNList', 'Tags'], 'TagResources');
      const list = body.ResourceARNList;
      if (!Array.isArray(list) || list.length < 1 || list.length > MAX_ARNS_PER_TAG_CALL) {
        throw new Refusal(
          400,
          'InvalidParameterException',
          `TagResources: ResourceARNList must hold 1 to ${MAX_ARNS_PER_TAG_CALL} ARNs (got ${Array.isArray(list) ? list.length : 'none'})`,
        );
      }
      const wanted = (body.Tags ?? {}) as Record<string, string>;
      const keys = Object.keys(wanted);
      if (keys.length < 1 || keys.length > MAX_TAGS) {
        throw new Refusal(
          400,
          'InvalidParameterException',
          `TagResources: Tags must hold 1 to ${MAX_TAGS} tags`,
        );
      }
      if (keys.some((key) => key.toLowerCase().startsWith('aws:'))) {
        throw new Refusal(
          400,
          'InvalidParameterException',
          'TagResources: tag keys may not start with aws:',
        );
      }
      const failed: Record<string, unknown> = {};
      for (const arn of list as string[]) {
        const carried = tags.get(arn);
        if (carried === undefined) {
          failed[arn] = {
            StatusCode: 404,
            ErrorCode: 'ResourceNotFoundException',
            ErrorMessage: `The resource ${arn} does not exist`,
          };
          continue;
        }
        const merged = { ...carried, ...wanted };
        if (Object.keys(merged).filter((key) => !key.startsWith('aws:')).length > MAX_TAGS) {
          failed[arn] = {
            StatusCode: 400,
            ErrorCode: 'InvalidParameterException',
            ErrorMessage: `${arn} would carry more than ${MAX_TAGS} tags`,
          };
          continue;
        }
        tags.set(arn, merged);
        everTagged.add(arn);
      }
      return JSON.stringify({ FailedResourcesMap: failed });
    },
  };

  const configItem = (resource: EstateResource): Record<string, unknown> => ({
    version: '1.3',
    accountId: account,
    configurationItemCaptureTime: recordedAt,
    configurationItemStatus: 'OK',
    configurationStateId: '1732251600000',
    arn: resource.arn,
    resourceType: resource.type,
    resourceId: resource.id,
    ...(resource.name !== undefined && { resourceName: resource.name }),
    awsRegion: region,
    availabilityZone: 'Not Applicable',
    configuration: '{}',
    supplementaryConfiguration: {},
  });
  const noSuchRule = (name: unknown): Refusal =>
    new Refusal(
      400,
      'NoSuchConfigRuleException',
      `The ConfigRule '${String(name)}' provided in the request is invalid. Please check the configRule name`,
    );

  const config: Record<string, (body: Record<string, unknown>) => string> = {
    ListDiscoveredResources(body) {
      only(
        body,
        ['resourceType', 'limit', 'nextToken', 'includeDeletedResources'],
        'ListDiscoveredResources',
      );
      if (typeof body.resourceType !== 'string') {
        throw new Refusal(
          400,
          'ValidationException',
          'ListDiscoveredResources: resourceType is required',
        );
      }
      const size =
        limit(body.limit, [0, CONFIG_LIMIT_MAX], 0, 'limit', 'InvalidLimitException') ||
        CONFIG_LIMIT_MAX;
      const scope = scopeOf({ type: body.resourceType, deleted: body.includeDeletedResources });
      const listed = byType.get(body.resourceType) ?? [];
      const { items, next } = page(listed, size, body.nextToken, scope, 'ListDiscoveredResources');
      return JSON.stringify({
        resourceIdentifiers: items.map((resource) => ({
          resourceType: resource.type,
          resourceId: resource.id,
          ...(resource.name !== undefined && { resourceName: resource.name }),
        })),
        ...(next && { nextToken: next }),
      });
    },
    BatchGetResourceConfig(body) {
      only(body, ['resourceKeys'], 'BatchGetResourceConfig');
      const keys = body.resourceKeys as { resourceType?: string; resourceId?: string }[];
      if (!Array.isArray(keys) || keys.length < 1 || keys.length > 100) {
        throw new Refusal(
          400,
          'ValidationException',
          'BatchGetResourceConfig: resourceKeys must hold 1 to 100 keys',
        );
      }
      const items = keys
        .map((key) => byKey.get(`${key.resourceType ?? ''}|${key.resourceId ?? ''}`))
        .filter((resource): resource is EstateResource => resource !== undefined)
        .map(configItem);
      return JSON.stringify({ baseConfigurationItems: items, unprocessedResourceKeys: [] });
    },
    DescribeConfigRules(body) {
      only(body, ['ConfigRuleNames', 'NextToken'], 'DescribeConfigRules');
      const names = (body.ConfigRuleNames as string[] | undefined) ?? ruleNames;
      for (const name of names) if (!rules.has(name)) throw noSuchRule(name);
      const scope = scopeOf({ names: body.ConfigRuleNames });
      const { items, next } = page(
        names,
        RULES_PER_PAGE,
        body.NextToken,
        scope,
        'DescribeConfigRules',
      );
      return JSON.stringify({
        ConfigRules: items.map((name, index) => ({
          ConfigRuleName: name,
          ConfigRuleArn: `arn:aws:config:${region}:${account}:config-rule/config-rule-${index.toString(16).padStart(6, '0')}`,
          ConfigRuleId: `config-rule-${index.toString(16).padStart(6, '0')}`,
          Scope: { ComplianceResourceTypes: [rules.get(name)?.type] },
          Source: { Owner: 'AWS', SourceIdentifier: name.toUpperCase().replace(/-/g, '_') },
          MaximumExecutionFrequency: 'TwentyFour_Hours',
          ConfigRuleState: 'ACTIVE',
          EvaluationModes: [{ Mode: 'DETECTIVE' }],
        })),
        ...(next && { NextToken: next }),
      });
    },
    DescribeComplianceByConfigRule(body) {
      only(
        body,
        ['ConfigRuleNames', 'ComplianceTypes', 'NextToken'],
        'DescribeComplianceByConfigRule',
      );
      const asked = body.ConfigRuleNames as string[] | undefined;
      if (asked !== undefined && asked.length > 25) {
        throw new Refusal(
          400,
          'InvalidParameterValueException',
          'DescribeComplianceByConfigRule: ConfigRuleNames holds at most 25 names',
        );
      }
      const names = asked ?? ruleNames;
      for (const name of names) if (!rules.has(name)) throw noSuchRule(name);
      const types = body.ComplianceTypes as string[] | undefined;
      const rows = names
        .map((name) => {
          const rule = rules.get(name);
          const failing = rule?.failing.size ?? 0;
          const type = failing > 0 ? 'NON_COMPLIANT' : 'COMPLIANT';
          return {
            ConfigRuleName: name,
            Compliance: {
              ComplianceType: type,
              ...(failing > 0 && {
                ComplianceContributorCount: {
                  CappedCount: Math.min(failing, 100),
                  CapExceeded: failing > 100,
                },
              }),
            },
          };
        })
        .filter((row) => types === undefined || types.includes(row.Compliance.ComplianceType));
      const scope = scopeOf({ names: asked, types });
      const { items, next } = page(
        rows,
        RULES_PER_PAGE,
        body.NextToken,
        scope,
        'DescribeComplianceByConfigRule',
      );
      return JSON.stringify({ ComplianceByConfigRules: items, ...(next && { NextToken: next }) });
    },
    GetComplianceDetailsByConfigRule(body) {
      only(
        body,
        ['ConfigRuleName', 'ComplianceTypes', 'Limit', 'NextToken'],
        'GetComplianceDetailsByConfigRule',
      );
      const rule = rules.get(String(body.ConfigRuleName));
      if (rule === undefined) throw noSuchRule(body.ConfigRuleName);
      const size =
        limit(body.Limit, [0, CONFIG_LIMIT_MAX], 0, 'Limit', 'InvalidLimitException') || 10;
      const types = (body.ComplianceTypes as string[] | undefined) ?? [
        'COMPLIANT',
        'NON_COMPLIANT',
      ];
      for (const type of types) {
        if (type !== 'COMPLIANT' && type !== 'NON_COMPLIANT') {
          throw new Refusal(
            400,
            'InvalidParameterValueException',
            `GetComplianceDetailsByConfigRule: ComplianceTypes ${type} is not implemented by the bench endpoint`,
          );
        }
      }
      const results = (byType.get(rule.type) ?? [])
        .map((resource) => ({
          resource,
          type: rule.failing.has(resource.id) ? 'NON_COMPLIANT' : 'COMPLIANT',
        }))
        .filter((entry) => types.includes(entry.type));
      const scope = scopeOf({ rule: rule.name, types });
      const { items, next } = page(
        results,
        size,
        body.NextToken,
        scope,
        'GetComplianceDetailsByConfigRule',
      );
      return JSON.stringify({
        EvaluationResults: items.map(({ resource, type }) => ({
          EvaluationResultIdentifier: {
            EvaluationResultQualifier: {
              ConfigRuleName: rule.name,
              ResourceType: resource.type,
              ResourceId: resource.id,
              EvaluationMode: 'DETECTIVE',
            },
            OrderingTimestamp: recordedAt,
          },
          ComplianceType: type,
          ResultRecordedTime: recordedAt,
          ConfigRuleInvokedTime: recordedAt - 60,
          ...(type === 'NON_COMPLIANT' && { Annotation: `${resource.type} fails ${rule.name}` }),
        })),
        ...(next && { NextToken: next }),
      });
    },
  };

  const inspector: Record<string, [string, (body: Record<string, unknown>) => string]> = {
    '/status/batch/get': [
      'BatchGetAccountStatus',
      (body) => {
        const ids = (body.accountIds as string[] | undefined) ?? [account];
        const enabled = { status: 'ENABLED' };
        return JSON.stringify({
          accounts: ids
            .filter((id) => id === account)
            .map((accountId) => ({
              accountId,
              state: enabled,
              resourceState: {
                ec2: enabled,
                ecr: enabled,
                lambda: enabled,
                lambdaCode: { status: 'DISABLED' },
              },
            })),
          failedAccounts: ids
            .filter((id) => id !== account)
            .map((accountId) => ({
              accountId,
              errorCode: 'ACCESS_DENIED',
              errorMessage: 'not a member of this organization',
            })),
        });
      },
    ],
    '/findings/list': [
      'ListFindings',
      (body) => {
        only(body, ['filterCriteria', 'maxResults', 'nextToken'], 'ListFindings');
        const keep = compileFilter(body.filterCriteria, FINDING_KEYS, 'ListFindings');
        const size = limit(
          body.maxResults,
          [1, 100],
          100,
          'ListFindings: maxResults',
          'ValidationException',
        );
        const scope = scopeOf(body);
        const offset = readToken(body.nextToken, scope, 'ListFindings');
        const out: string[] = [];
        let position = offset;
        for (; position < findings.length && out.length < size; position += 1) {
          const entry = findings[position];
          if (entry && keep(entry.keys)) out.push(entry.json);
        }
        let more = false;
        for (let rest = position; rest < findings.length && !more; rest += 1) {
          const entry = findings[rest];
          if (entry && keep(entry.keys)) more = true;
        }
        const next = more ? `,"nextToken":${JSON.stringify(token(position, scope))}` : '';
        return `{"findings":[${out.join(',')}]${next}}`;
      },
    ],
  };

  /** Security Hub, REST-JSON: request path → [operation, handler]. */
  const securityhub: Record<string, [string, (body: Record<string, unknown>) => string]> = {
    '/findings': [
      'GetFindings',
      (body) => {
        if (body.SortCriteria !== undefined) {
          throw invalidInput('GetFindings: SortCriteria is not implemented by the bench endpoint');
        }
        only(body, ['Filters', 'MaxResults', 'NextToken'], 'GetFindings');
        const keep = compileSecurityHubFilters(body.Filters);
        const size = limit(
          body.MaxResults,
          [1, SECURITY_HUB_PAGE_MAX],
          SECURITY_HUB_PAGE_MAX,
          'GetFindings: MaxResults',
          'InvalidInputException',
        );
        const scope = scopeOf({ Filters: body.Filters });
        const offset = securityHubToken(body.NextToken, scope, 'GetFindings');
        const out: string[] = [];
        let position = offset;
        for (; position < controlFindings.length && out.length < size; position += 1) {
          const entry = controlFindings[position];
          if (entry && keep(entry.values)) out.push(entry.json);
        }
        let more = false;
        for (let rest = position; rest < controlFindings.length && !more; rest += 1) {
          const entry = controlFindings[rest];
          if (entry && keep(entry.values)) more = true;
        }
        const next = more ? `,"NextToken":${JSON.stringify(token(position, scope))}` : '';
        return `{"Findings":[${out.join(',')}]${next}}`;
      },
    ],
    '/standards/get': [
      'GetEnabledStandards',
      (body) => {
        only(body, ['StandardsSubscriptionArns', 'MaxResults', 'NextToken'], 'GetEnabledStandards');
        limit(
          body.MaxResults,
          [1, SECURITY_HUB_PAGE_MAX],
          SECURITY_HUB_PAGE_MAX,
          'GetEnabledStandards: MaxResults',
          'InvalidInputException',
        );
        const wanted = body.StandardsSubscriptionArns;
        if (
          wanted !== undefined &&
          (!Array.isArray(wanted) || wanted.length < 1 || wanted.length > 25)
        ) {
          throw invalidInput(
            'GetEnabledStandards: StandardsSubscriptionArns must hold 1 to 25 ARNs',
          );
        }
        securityHubToken(body.NextToken, 'standards', 'GetEnabledStandards');
        const subscription = {
          StandardsSubscriptionArn: `arn:aws:securityhub:${region}:${account}:subscription/${FSBP}`,
          StandardsArn: `arn:aws:securityhub:${region}::standards/${FSBP}`,
          StandardsInput: {},
          StandardsStatus: 'READY',
          StandardsControlsUpdatable: 'READY_FOR_UPDATES',
        };
        const listed =
          wanted === undefined ||
          (wanted as string[]).includes(subscription.StandardsSubscriptionArn)
            ? [subscription]
            : [];
        return JSON.stringify({ StandardsSubscriptions: listed });
      },
    ],
    '/securityControls/batchGet': [
      'BatchGetSecurityControls',
      (body) => {
        only(body, ['SecurityControlIds'], 'BatchGetSecurityControls');
        const ids = body.SecurityControlIds;
        if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
          throw invalidInput(
            'BatchGetSecurityControls: SecurityControlIds is required (a list of ids or ARNs)',
          );
        }
        const arnPrefix = `arn:aws:securityhub:${region}:${account}:security-control/`;
        const found: Record<string, unknown>[] = [];
        const unprocessed: Record<string, unknown>[] = [];
        for (const asked of ids) {
          const control = controls.get(
            asked.startsWith(arnPrefix) ? asked.slice(arnPrefix.length) : asked,
          );
          if (control === undefined) {
            unprocessed.push({
              SecurityControlId: asked,
              ErrorCode: 'RESOURCE_NOT_FOUND',
              ErrorReason: `Security control ${asked} was not found`,
            });
            continue;
          }
          found.push({
            SecurityControlId: control.id,
            SecurityControlArn: `${arnPrefix}${control.id}`,
            Title: control.title,
            Description: `This control checks whether ${control.title.charAt(0).toLowerCase()}${control.title.slice(1)}.`,
            RemediationUrl: `https://docs.aws.amazon.com/console/securityhub/${control.id}/remediation`,
            SeverityRating: control.severity,
            SecurityControlStatus: 'ENABLED',
            UpdateStatus: 'READY',
          });
        }
        return JSON.stringify({ SecurityControls: found, UnprocessedIds: unprocessed });
      },
    ],
  };

  const stsIdentity = (): string =>
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
    `<Arn>arn:aws:iam::${account}:user/bench</Arn><UserId>AIDABENCHBENCHBENCH</UserId><Account>${account}</Account>` +
    '</GetCallerIdentityResult><ResponseMetadata><RequestId>bench-0000</RequestId></ResponseMetadata></GetCallerIdentityResponse>';

  /** EC2 DescribeTags with Filter.N.Name=resource-id only (the tag reader's call). */
  const describeTags = (form: URLSearchParams): string => {
    const ids = new Set<string>();
    for (const [key, value] of form) {
      const name = /^Filter\.(\d+)\.Name$/.exec(key);
      if (name && value !== 'resource-id') {
        throw new Refusal(
          400,
          'InvalidParameterValue',
          `DescribeTags: filter ${value} is not implemented by the bench endpoint`,
        );
      }
      if (/^Filter\.\d+\.Value\.\d+$/.test(key)) ids.add(value);
      if (key === 'NextToken' || key === 'MaxResults') {
        throw new Refusal(
          400,
          'InvalidParameterValue',
          `DescribeTags: ${key} is not implemented by the bench endpoint`,
        );
      }
    }
    if (ids.size > 200) {
      throw new Refusal(
        400,
        'FilterLimitExceeded',
        'The maximum number of filter values specified on a single call is 200',
      );
    }
    const items: string[] = [];
    for (const resource of resources) {
      if (!resource.arn.startsWith(`arn:aws:ec2:${region}:${account}:`)) continue;
      const id = resource.arn.split('/').pop() ?? '';
      if (!ids.has(id)) continue;
      const kind = resource.arn.split(':')[5]?.split('/')[0] ?? 'instance';
      for (const [key, value] of Object.entries(tags.get(resource.arn) ?? {})) {
        items.push(
          `<item><resourceId>${xml(id)}</resourceId><resourceType>${kind}</resourceType><key>${xml(key)}</key><value>${xml(value)}</value></item>`,
        );
      }
    }
    return `<DescribeTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>bench-0000</requestId><tagSet>${items.join('')}</tagSet></DescribeTagsResponse>`;
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
    const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
      request.headers.authorization ?? '',
    );
    const service = scope?.[1] ?? 'unknown';
    const url = new URL(request.url ?? '/', 'http://bench');
    const target = String(request.headers['x-amz-target'] ?? '');
    const form = service === 'sts' || service === 'ec2' ? new URLSearchParams(text) : undefined;
    const operation =
      form?.get('Action') ??
      (target.includes('.') ? target.slice(target.indexOf('.') + 1) : undefined) ??
      (service === 'inspector2' ? inspector[url.pathname]?.[0] : undefined) ??
      (service === 'securityhub' ? securityhub[url.pathname]?.[0] : undefined) ??
      (service === 's3' && url.searchParams.has('tagging')
        ? `${request.method === 'GET' ? 'Get' : request.method === 'PUT' ? 'Put' : 'Delete'}BucketTagging`
        : `${request.method ?? '?'} ${url.pathname}`);
    counts[`${service}:${operation}`] = (counts[`${service}:${operation}`] ?? 0) + 1;
    const xmlError = (refusal: Refusal): string =>
      service === 'sts'
        ? `<ErrorResponse><Error><Type>Sender</Type><Code>${refusal.code}</Code><Message>${xml(refusal.message)}</Message></Error><RequestId>bench-0000</RequestId></ErrorResponse>`
        : service === 'ec2'
          ? `<Response><Errors><Error><Code>${refusal.code}</Code><Message>${xml(refusal.message)}</Message></Error></Errors><RequestID>bench-0000</RequestID></Response>`
          : `<Error><Code>${refusal.code}</Code><Message>${xml(refusal.message)}</Message><RequestId>bench-0000</RequestId></Error>`;
    const json = target !== '' ? 'application/x-amz-json-1.1' : 'application/json';
    try {
      const unknown = new Refusal(
        400,
        'UnknownOperationException',
        `The bench endpoint does not implement ${service} ${operation}`,
      );
      const key = `${service}:${operation}`;
      if (!admit(key)) {
        counts[`${key} throttled`] = (counts[`${key} throttled`] ?? 0) + 1;
        throw new Refusal(
          429,
          buckets.get(key)?.rate.code ?? 'ThrottlingException',
          'Rate exceeded',
        );
      }
      if (service === 'sts') {
        if (operation !== 'GetCallerIdentity') throw unknown;
        answer(response, 200, stsIdentity(), 'text/xml');
        return;
      }
      if (service === 'ec2') {
        if (operation !== 'DescribeTags') throw unknown;
        answer(response, 200, describeTags(form ?? new URLSearchParams()), 'text/xml');
        return;
      }
      if (service === 's3') {
        if (operation !== 'GetBucketTagging') throw unknown;
        const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
        const arn = `arn:aws:s3:::${bucket}`;
        const carried = tags.get(arn);
        if (carried === undefined) {
          throw new Refusal(404, 'NoSuchBucket', `The specified bucket ${bucket} does not exist`);
        }
        if (Object.keys(carried).length === 0) {
          throw new Refusal(404, 'NoSuchTagSet', 'The TagSet does not exist');
        }
        const set = Object.entries(carried)
          .map(([key, value]) => `<Tag><Key>${xml(key)}</Key><Value>${xml(value)}</Value></Tag>`)
          .join('');
        answer(
          response,
          200,
          `<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${set}</TagSet></Tagging>`,
          'application/xml',
        );
        return;
      }
      let handler: ((body: Record<string, unknown>) => string) | undefined;
      if (service === 'tagging' && target.startsWith(TAGGING_PREFIX)) handler = tagging[operation];
      else if (service === 'config' && target.startsWith(CONFIG_PREFIX))
        handler = config[operation];
      else if (service === 'inspector2' && request.method === 'POST') {
        handler = inspector[url.pathname]?.[1];
      } else if (service === 'securityhub' && request.method === 'POST') {
        handler = securityhub[url.pathname]?.[1];
      }
      if (!handler) throw unknown;
      let body: Record<string, unknown>;
      try {
        body = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        throw new Refusal(400, 'SerializationException', `${operation}: body is not JSON`);
      }
      answer(response, 200, handler(body), json);
    } catch (error) {
      const known = error as Partial<Refusal>;
      const refusal =
        typeof known.status === 'number' && typeof known.code === 'string'
          ? new Refusal(known.status, known.code, String(known.message))
          : new Refusal(500, 'InternalServerException', String(error));
      if (service === 'sts' || service === 'ec2' || service === 's3') {
        answer(response, refusal.status, xmlError(refusal), 'text/xml');
      } else {
        answer(
          response,
          refusal.status,
          JSON.stringify({ __type: refusal.code, message: refusal.message }),
          json,
          refusal.code,
        );
      }
    }
  };

  const loopback = await serveLoopback(handle);
  return {
    url: loopback.url,
    calls: () => ({ ...counts }),
    resetCalls: () => {
      counts = {};
    },
    tags: () => new Map([...tags].map(([arn, carried]) => [arn, { ...carried }])),
    resetTags,
    stop: loopback.stop,
  };
}
