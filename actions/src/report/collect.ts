/**
 * The daily report's COLLECT step: everything one run reads from AWS, as a `CollectedReport`.
 * Three collectors run concurrently (each pages sequentially): what Inspector2 scans, then its
 * ACTIVE findings (CVE), the compliance gate's own CCE sources with the passing side of each rule, and the tag
 * audit's inventory. Then each finding is joined to its resource's tags: from the inventory by
 * ARN, else read through sources/tagging `readTags` (the one tag reader); an ECR image's tags
 * are its repository's. Nothing here decides: evaluate does, from this and yesterday's state.
 * The sources and their SDK packages are loaded (import(), chunk files of a bundle) once the
 * run's first request, sts:GetCallerIdentity, is sent, while its answer is awaited
 * (`loadCollectors`): before it, a run parses none of them (issue 12).
 */
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { Inspector2Client } from '@aws-sdk/client-inspector2';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import { readCallerAccount } from '../sources/identity';
import {
  arnOfDiscovered,
  canonicalArn,
  ecrRepositoryArn,
  parseArn,
  partitionOf,
} from '../core/arn';
import { createClient, firstRequestSent, lazyClient, type LazyClient } from '../core/aws';
import { systemClock, type Clock } from '../core/clock';
import type { CallCounts } from '../core/collections';
import { UndecidedError } from '../core/errors';
import { controlBySecurityHubId, controlForConfigRuleName } from '../core/controls';
import type { Log } from '../core/log';
import type { Asset, Finding, Severity } from '../core/model';
import type { Policy } from '../core/policy';
import type { AuditLocation } from '../core/remediation-audit';
import { DEFAULT_RESOURCE_TYPES } from '../core/tag-policy';
// Types only: each source imports its SDK package's commands, so its code is loaded (import(),
// a chunk of the bundle) by `loadCollectors` once the first request is on its way.
import type {
  ASFF_ACCOUNT_LEVEL_TYPES,
  CONFIG_ACCOUNT_LEVEL_TYPES,
  placeInScope,
  someOf,
  CollectedCompliance,
  KnownTags,
  RuleStates,
} from '../sources/compliance';
import type { collectConfigCompliance } from '../sources/config';
import type { ActiveFinding, listActiveFindings } from '../sources/inspector';
import type {
  INSPECTOR_SCAN_TYPES,
  InspectorScanStatus,
  readInspectorScanStatus,
} from '../sources/inspector-status';
import type { collectInventory, Inventory } from '../sources/inventory';
import { mapConcurrent, READ_CONCURRENCY } from '../sources/paging';
import type { listPassedControls, PassingResult, PassingResults } from '../sources/rule-results';
import type { listCompliantResults } from '../sources/rule-results-config';
import type { collectSecurityHubCompliance } from '../sources/securityhub';
import { readRemediationAudit } from '../sources/remediation-audit';
import {
  REMEDIATION_WINDOW_DAYS,
  type CollectedRemediation,
  type CollectedReport,
  type ReportFinding,
  type RuleCompliance,
} from './model';

/**
 * The clients the report reads with, all of one region. STS is built at once: its
 * GetCallerIdentity is the run's first request. Every other is a `LazyClient` (core/aws), its
 * package loaded on first use, while that request is in flight: Inspector2, Config and the
 * Tagging API (the compliance sources and the inventory), Security Hub (only with that CCE
 * source), and `ec2` and `ecr`, which let `readTags` read instances and repositories first-hand.
 * A test gives its own client as `() => Promise.resolve(client)`.
 */
export interface ReportClients {
  sts: STSClient;
  inspector: LazyClient<Inspector2Client>;
  config: LazyClient<ConfigServiceClient>;
  securityhub: LazyClient<SecurityHubClient>;
  tagging: LazyClient<ResourceGroupsTaggingAPIClient>;
  ec2?: LazyClient<EC2Client>;
  ecr?: LazyClient<ECRClient>;
}

/** The report's clients for `region`, from the one client factory (core/aws). */
export function defaultReportClients(region: string): ReportClients {
  // Each import() destructured: the form in which the bundler keeps only what a chunk needs.
  return {
    sts: createClient(STSClient, { region }),
    inspector: lazyClient(
      async () => {
        const { Inspector2Client } = await import('@aws-sdk/client-inspector2');
        return Inspector2Client;
      },
      { region },
    ),
    config: lazyClient(
      async () => {
        const { ConfigServiceClient } = await import('@aws-sdk/client-config-service');
        return ConfigServiceClient;
      },
      { region },
    ),
    securityhub: lazyClient(
      async () => {
        const { SecurityHubClient } = await import('@aws-sdk/client-securityhub');
        return SecurityHubClient;
      },
      { region },
    ),
    tagging: lazyClient(
      async () => {
        const { ResourceGroupsTaggingAPIClient } =
          await import('@aws-sdk/client-resource-groups-tagging-api');
        return ResourceGroupsTaggingAPIClient;
      },
      { region },
    ),
    ec2: lazyClient(
      async () => {
        const { EC2Client } = await import('@aws-sdk/client-ec2');
        return EC2Client;
      },
      { region },
    ),
    ecr: lazyClient(
      async () => {
        const { ECRClient } = await import('@aws-sdk/client-ecr');
        return ECRClient;
      },
      { region },
    ),
  };
}

export interface CollectOptions {
  log: Log;
  /** When the collection starts (`collectedAt`); default the system clock. */
  clock?: Clock;
  region: string;
  policy: Policy;
  /** Where CCE findings come from, as the compliance gate's `--source`. */
  cceSource: 'config' | 'securityhub';
  /** The compliance gate's tag scope (`--scope`): CCE results on resources tagged otherwise are left out. */
  scope?: Record<string, string>;
  /** The compliance gate's `--rules`: only these rules or controls (all when empty). */
  rules?: string[];
  /** Pages after which an Inspector2 listing is refused (sources/inspector DEFAULT_PAGE_CAP). */
  pageCap?: number;
  /** Aborts the Inspector2 listing (the run's deadline). */
  signal?: AbortSignal;
  /**
   * Where `assetguard remediate` keeps its audit records (the `remediation-audit` input), and
   * the S3 client for an s3:// location (or a `LazyClient` of it, built only for such a
   * location); without it the report has no Remediation section.
   */
  remediationAudit?: { location: AuditLocation; s3?: S3Client | LazyClient<S3Client> };
}

/** Inspector2's scan types (sources/inspector-status INSPECTOR_SCAN_TYPES), for messages. */
type ScanTypes = typeof INSPECTOR_SCAN_TYPES;

/** The CCE source's collector and passing-side reader, with Security Hub's client when it is that. */
type CceReader =
  | {
      source: 'config';
      collectConfigCompliance: typeof collectConfigCompliance;
      listCompliantResults: typeof listCompliantResults;
    }
  | {
      source: 'securityhub';
      securityhub: SecurityHubClient;
      collectSecurityHubCompliance: typeof collectSecurityHubCompliance;
      listPassedControls: typeof listPassedControls;
    };

/** The sources' code and the built clients they read with, as `loadCollectors` loads them. */
interface Collectors {
  clients: {
    sts: STSClient;
    inspector: Inspector2Client;
    config: ConfigServiceClient;
    tagging: ResourceGroupsTaggingAPIClient;
  };
  readInspectorScanStatus: typeof readInspectorScanStatus;
  scanTypes: ScanTypes;
  listActiveFindings: typeof listActiveFindings;
  collectInventory: typeof collectInventory;
  accountLevelTypes: {
    config: typeof CONFIG_ACCOUNT_LEVEL_TYPES;
    asff: typeof ASFF_ACCOUNT_LEVEL_TYPES;
  };
  placeInScope: typeof placeInScope;
  someOf: typeof someOf;
  cce: CceReader;
}

/**
 * Loads (import(): chunk files of a bundle) the sources a collection runs and builds the clients
 * they read with: Inspector2, Config and the Tagging API always (the inventory reads the last
 * two), and the CCE source's reader, Security Hub's client only for that source. Called once the
 * first request (sts:GetCallerIdentity) is sent (`firstRequestSent`), so that loading these
 * packages, most of the code a run parses, overlaps the wait for its answer. Rejects only with
 * a broken bundle.
 */
async function loadCollectors(
  clients: ReportClients,
  cceSource: 'config' | 'securityhub',
): Promise<Collectors> {
  const { readInspectorScanStatus, INSPECTOR_SCAN_TYPES } =
    await import('../sources/inspector-status');
  const { listActiveFindings } = await import('../sources/inspector');
  const { collectInventory } = await import('../sources/inventory');
  const { ASFF_ACCOUNT_LEVEL_TYPES, CONFIG_ACCOUNT_LEVEL_TYPES, placeInScope, someOf } =
    await import('../sources/compliance');
  let cce: CceReader;
  if (cceSource === 'config') {
    const { collectConfigCompliance } = await import('../sources/config');
    const { listCompliantResults } = await import('../sources/rule-results-config');
    cce = { source: 'config', collectConfigCompliance, listCompliantResults };
  } else {
    const { collectSecurityHubCompliance } = await import('../sources/securityhub');
    const { listPassedControls } = await import('../sources/rule-results');
    const securityhub = await clients.securityhub();
    cce = { source: 'securityhub', securityhub, collectSecurityHubCompliance, listPassedControls };
  }
  const [inspector, config, tagging] = await Promise.all([
    clients.inspector(),
    clients.config(),
    clients.tagging(),
  ]);
  return {
    clients: { sts: clients.sts, inspector, config, tagging },
    readInspectorScanStatus,
    scanTypes: INSPECTOR_SCAN_TYPES,
    listActiveFindings,
    collectInventory,
    accountLevelTypes: { config: CONFIG_ACCOUNT_LEVEL_TYPES, asff: ASFF_ACCOUNT_LEVEL_TYPES },
    placeInScope,
    someOf,
    cce,
  };
}

/** A finding's resource as the tag join sees it. */
type TagTarget = { arn: string } | { accountLevel: true } | { unknown: string; label: string };

/** True for a tag set with at least one tag (`{}` and undefined may both mean "not read here"). */
function hasTags(tags: Record<string, string> | undefined): tags is Record<string, string> {
  return tags !== undefined && Object.keys(tags).length > 0;
}

function addCalls(total: CallCounts, more: CallCounts): void {
  for (const [operation, count] of Object.entries(more)) {
    total[operation] = (total[operation] ?? 0) + count;
  }
}

/** The ARN without a Lambda version or alias (`…:function:NAME:$LATEST` → `…:function:NAME`). */
function unqualifiedFunctionArn(arn: string): string {
  return arn.split(':').slice(0, 7).join(':');
}

/**
 * Whose tags an Inspector2 finding's resource carries: an ECR image's repository (image ARNs are
 * `arn:…:ecr:REGION:ACCOUNT:repository/NAME/sha256:…`), an EC2 instance (its id or ARN), a
 * Lambda function without its qualifier.
 */
function inspectorTarget(finding: Finding, region: string): TagTarget {
  const { resource } = finding;
  const parsed = parseArn(resource.id);
  const where = {
    region: parsed?.region || resource.region || region,
    accountId: parsed?.accountId || resource.accountId,
  };
  if (resource.type === 'AWS_ECR_CONTAINER_IMAGE') {
    const repository =
      resource.repository ??
      (parsed?.resource.startsWith('repository/')
        ? parsed.resource.slice('repository/'.length).replace(/\/sha256:.*$/, '')
        : undefined);
    if (repository === undefined || where.accountId === undefined) {
      return { unknown: 'names no repository and account', label: resource.id };
    }
    return { arn: ecrRepositoryArn(where.region, where.accountId, repository) };
  }
  if (resource.type === 'AWS_LAMBDA_FUNCTION' && parsed !== undefined) {
    return { arn: unqualifiedFunctionArn(resource.id) };
  }
  if (
    resource.type === 'AWS_EC2_INSTANCE' &&
    parsed === undefined &&
    /^i-[0-9a-f]+$/.test(resource.id)
  ) {
    if (where.accountId === undefined) return { unknown: 'names no account', label: resource.id };
    return {
      arn: `arn:${partitionOf(where.region)}:ec2:${where.region}:${where.accountId}:instance/${resource.id}`,
    };
  }
  if (parsed !== undefined) return { arn: canonicalArn(resource.id) };
  return { unknown: 'its id is not an ARN', label: `${resource.type} ${resource.id}` };
}

/** Whose tags a CCE finding's resource carries (Security Hub ids are ARNs; Config ids become ARNs once the source looked them up). */
function complianceTarget(
  loaded: Collectors,
  source: 'config' | 'securityhub',
  resource: { type: string; id: string },
  region: string,
  accountId?: string,
): TagTarget {
  const { type, id } = resource;
  if (
    loaded.accountLevelTypes.config.has(type) ||
    loaded.accountLevelTypes.asff.has(type) ||
    id.startsWith('AWS::::Account')
  ) {
    return { accountLevel: true };
  }
  if (id.startsWith('arn:')) return { arn: canonicalArn(id) };
  const built =
    source === 'config' && accountId !== undefined
      ? arnOfDiscovered(type, id, undefined, region, accountId)
      : undefined;
  return built !== undefined
    ? { arn: built }
    : { unknown: "no ARN (not in AWS Config's inventory)", label: `${type} ${id}` };
}

/** `ECR DISABLED, EC2 ENABLING, LAMBDA NOT_LISTED`: each scan type's status, for messages. */
function scanStatusText(status: InspectorScanStatus, scanTypes: ScanTypes): string {
  const types = scanTypes.map(({ type }) => `${type} ${status.resources[type]}`);
  return status.accountStatus === undefined
    ? 'the answer lists no status for the account'
    : `account ${status.accountStatus}; ${types.join(', ')}`;
}

/** `a`, `a and b`, `a, b and c`. */
function joinWords(words: readonly string[]): string {
  return words.length <= 1
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] ?? ''}`;
}

/**
 * The report's stance on what Inspector2 scans: nothing scanned is an UndecidedError (a CVE
 * report over nothing must not read as clean); each type not scanned is a warning naming it.
 */
function scanCoverage(
  status: InspectorScanStatus,
  region: string,
  scanTypes: ScanTypes,
): { warnings: string[] } {
  const where = `account ${status.accountId}, region ${region}`;
  if (status.scanned.length === 0) {
    throw new UndecidedError(
      `Inspector2 is not enabled in ${where} (inspector2:BatchGetAccountStatus: ${scanStatusText(status, scanTypes)}): ` +
        'nothing is scanned for vulnerabilities, and a CVE report over nothing would read as clean. ' +
        `Enable it with "aws inspector2 enable --resource-types ECR EC2 LAMBDA --region ${region}" ` +
        '(or with Terraform: aws_inspector2_enabler, as infra/modules/ecr-scanning does for ECR), then run the report again',
    );
  }
  const missing = scanTypes.filter(({ type }) => !status.scanned.includes(type));
  if (missing.length === 0) return { warnings: [] };
  const covered = scanTypes.filter(({ type }) => status.scanned.includes(type));
  return {
    warnings: [
      `Inspector2 does not scan ${joinWords(missing.map(({ scans }) => scans))} in ${where} ` +
        `(${missing.map(({ type }) => `${type} ${status.resources[type]}`).join(', ')}): ` +
        `the CVE findings cover ${joinWords(covered.map(({ scans }) => scans))} only. ` +
        `Enable it with "aws inspector2 enable --resource-types ${missing.map(({ type }) => type).join(' ')} --region ${region}"`,
    ],
  };
}

/** Collector results, before the join. */
interface Collected {
  /** The caller's account and the GetCallerIdentity call that read it, once for every collector. */
  identity: { accountId: string; calls: CallCounts };
  cve: { findings: ActiveFinding[]; calls: number; dropped: number; status: InspectorScanStatus };
  cce: CollectedCompliance;
  passing: PassingResults;
  inventory: Inventory;
  /** The sources' code and clients, for the join. */
  loaded: Collectors;
}

/**
 * The COMPLIANT results of every evaluated rule (compliant or not: a failing rule passes on other
 * resources), one GetComplianceDetailsByConfigRule listing per rule, READ_CONCURRENCY at a time
 * (each pages in order), in rule order.
 */
async function readPassing(
  list: typeof listCompliantResults,
  config: ConfigServiceClient,
  states: RuleStates,
  log: Log,
): Promise<PassingResults> {
  const evaluated = [...new Set([...states.compliant, ...states.nonCompliant])];
  const perRule = await mapConcurrent(evaluated, READ_CONCURRENCY, (rule) =>
    list(config, [rule], { log }),
  );
  const passing: PassingResults = { results: [], calls: {} };
  for (const listed of perRule) {
    passing.results.push(...listed.results);
    addCalls(passing.calls, listed.calls);
  }
  return passing;
}

async function collectCce(
  loaded: Collectors,
  options: CollectOptions,
  accountId: string,
): Promise<{ cce: CollectedCompliance; passing: PassingResults }> {
  const { log, region, policy } = options;
  const { clients, cce: reader } = loaded;
  const scope = { tags: options.scope ?? {}, rules: options.rules ?? [] };
  const common = {
    log,
    region,
    defaultSeverity: policy.compliance.defaultSeverity,
    needTags: true,
  };
  if (reader.source === 'config') {
    log('report: reading AWS Config rule compliance');
    const { listCompliantResults } = reader;
    // The COMPLIANT results need only the rules' states: their reads start as soon as the states
    // are known, alongside the NON_COMPLIANT results' reads, ARN lookups and tag reads.
    let passingRead: Promise<PassingResults> | undefined;
    const cce = await reader.collectConfigCompliance(clients, scope, {
      ...common,
      onRuleStates: (states) => {
        passingRead = readPassing(listCompliantResults, clients.config, states, log);
        // Awaited below; a failure of the NON_COMPLIANT side first must not leave it unhandled.
        passingRead.catch(() => undefined);
      },
    });
    const passing = await (passingRead ??
      readPassing(listCompliantResults, clients.config, cce.rules, log));
    return { cce, passing };
  }
  log('report: reading Security Hub control results');
  const hub = { securityhub: reader.securityhub, tagging: clients.tagging };
  const cce = await reader.collectSecurityHubCompliance(hub, scope, { ...common, accountId });
  const passed = await reader.listPassedControls(reader.securityhub, { log, region, accountId });
  const wanted = scope.rules.map((rule) => rule.toLowerCase());
  const results =
    wanted.length === 0
      ? passed.results
      : passed.results.filter((result) => {
          const control = controlBySecurityHubId(result.rule);
          return [result.rule, control?.configRuleName]
            .filter((name): name is string => name !== undefined)
            .some((name) => wanted.includes(name.toLowerCase()));
        });
  return { cce, passing: { results, calls: passed.calls } };
}

async function collectAll(clients: ReportClients, options: CollectOptions): Promise<Collected> {
  const { log, region, policy } = options;
  const resourceTypes = policy.tags?.resourceTypes ?? DEFAULT_RESOURCE_TYPES;
  // Read once: Inspector2's status is asked for this account, the inventory builds its ARNs, and
  // Security Hub's control results are read for it alone (an administrator account sees members').
  // The run's first request; the sources load once it is sent, while its answer is awaited.
  const identityCalls: CallCounts = {};
  const identity = readCallerAccount(clients.sts, identityCalls);
  const [accountId, loaded] = await Promise.all([
    identity,
    firstRequestSent(identity).then(() => loadCollectors(clients, options.cceSource)),
  ]);
  const { scanTypes } = loaded;
  const [cve, compliance, inventory] = await Promise.all([
    (async () => {
      log('report: reading what Inspector2 scans in this account and region');
      const status = await loaded.readInspectorScanStatus(loaded.clients, {
        accountId,
        ...(options.signal !== undefined && { signal: options.signal }),
      });
      // Before the listing: an empty one from an account that scans nothing must never be read.
      scanCoverage(status, region, scanTypes);
      log(
        `report: Inspector2 scans ${status.scanned.join(', ')} (${scanStatusText(status, scanTypes)})`,
      );
      log(
        'report: listing ACTIVE Inspector2 findings (ECR images, EC2 instances, Lambda functions)',
      );
      // One listing, split into parts listed at once when it is over two full pages long.
      const listed = await loaded.listActiveFindings(loaded.clients.inspector, {
        log,
        ...(options.pageCap !== undefined && { pageCap: options.pageCap }),
        ...(options.signal !== undefined && { signal: options.signal }),
      });
      log(
        `report: ${listed.findings.length} ACTIVE Inspector2 finding(s) in ${listed.calls} call(s)` +
          (listed.plan === 'partitioned' ? ` (listed in ${listed.partitions} parts at once)` : ''),
      );
      return { ...listed, status };
    })(),
    collectCce(loaded, options, accountId),
    (async () => {
      log(`report: reading the inventory of ${resourceTypes.length} resource type(s)`);
      return loaded.collectInventory(loaded.clients, resourceTypes, { log, region, accountId });
    })(),
  ]);
  return {
    identity: { accountId, calls: identityCalls },
    cve,
    cce: compliance.cce,
    passing: compliance.passing,
    inventory,
    loaded,
  };
}

/** Rule/control name → what passes and fails it, counted by distinct resource. */
function ruleCompliance(
  source: 'config' | 'securityhub',
  failing: readonly Finding[],
  passing: readonly PassingResult[],
  defaultSeverity: Severity,
): RuleCompliance[] {
  const rows = new Map<
    string,
    { title?: string; severity?: Severity; failing: Set<string>; passing: Set<string> }
  >();
  const row = (rule: string) => {
    const found = rows.get(rule) ?? { failing: new Set<string>(), passing: new Set<string>() };
    rows.set(rule, found);
    return found;
  };
  for (const finding of failing) {
    const rule = source === 'config' ? (finding.rule?.name ?? finding.id) : finding.id;
    const entry = row(rule);
    entry.failing.add(finding.resource.id);
    entry.title ??= finding.title;
    entry.severity ??= finding.severity;
  }
  for (const result of passing) {
    const entry = row(result.rule);
    entry.passing.add(`${result.resourceType}|${result.resourceId}`);
    entry.title ??= result.title;
    entry.severity ??= result.severity;
  }
  return [...rows.entries()]
    .map(([rule, entry]) => {
      const control =
        source === 'config' ? controlForConfigRuleName(rule) : controlBySecurityHubId(rule);
      const title = entry.title ?? control?.title;
      return {
        rule,
        ...(title !== undefined && { title }),
        severity: entry.severity ?? control?.severity ?? defaultSeverity,
        compliant: entry.passing.size,
        noncompliant: entry.failing.size,
      };
    })
    .sort((a, b) => b.noncompliant - a.noncompliant || a.rule.localeCompare(b.rule));
}

/**
 * Reads what the daily report shows, for one account and region.
 *
 * Concurrently: (1) CVE: first what Inspector2 scans (sources/inspector-status
 * `readInspectorScanStatus`: sts:GetCallerIdentity, then BatchGetAccountStatus for that account),
 * then `listActiveFindings` (Inspector2 ListFindings, ACTIVE, ECR images, EC2 instances, Lambda
 * functions; one listing, ceil(N/100) calls). A listing cannot tell "no vulnerabilities" from "nothing
 * scanned": when no type (ECR, EC2, LAMBDA) is ENABLED the run stops with an UndecidedError
 * naming inspector2:BatchGetAccountStatus and the `aws inspector2 enable` command, before any
 * listing; when some are not, a warning names them, and `cveScanned` lists those that are; (2) CCE: the compliance gate's source,
 * `collectConfigCompliance` or `collectSecurityHubCompliance` per `cceSource`, with its tag
 * scope and rules, followed by the passing side of each rule (sources/rule-results: Config's
 * COMPLIANT results of every evaluated rule, or Security Hub's PASSED control results); Security
 * Hub's results are its own control findings of the caller's account and `region` only;
 * (3) the estate: `collectInventory` of the tag policy's resource types (core/tag-policy
 * DEFAULT_RESOURCE_TYPES when the policy has no `tags:`); (4) with `remediationAudit`, the
 * remediation audit records of the last REMEDIATION_WINDOW_DAYS + 1 UTC days
 * (sources/remediation-audit `readRemediationAudit`), as `remediation`; a record that cannot be
 * taken is a warning naming its key.
 *
 * Then the join: every finding gets `resource.tags` from the inventory (by ARN), from its
 * source (the compliance sources read the tags of failing resources), or else from one
 * `readTags` of the missing ARNs: an ECR image's repository (ListTagsForResource), an EC2
 * instance (DescribeTags), any other ARN through the Tagging API. `owner` is the value of
 * `policy.report.ownerTag`, `classification` that of `policy.tags.classification.key`, `use` the
 * ECR image's in-use data, `key` `<source>:<sourceId>`, `kind` `cve` for Inspector2, else `cce`.
 * With a tag scope, passing results whose resource is known to be tagged otherwise are not
 * counted. Resources whose tags are unknown (unreadable, no ARN) are named in `warnings`,
 * together with the sources' own warnings; account-level results carry no tags and no warning.
 * `rules` counts distinct resources per rule (Config rule name, or Security Hub control id).
 *
 * Errors (exit 2), from the sources, each naming the operation and the permission: AwsError for
 * a failed call; UndecidedError for a malformed answer (e.g. an Inspector2 finding without
 * severity names inspector2:ListFindings, an account status without resourceState names
 * inspector2:BatchGetAccountStatus), Inspector2 scanning nothing, or an endless listing; ConfigurationError for a
 * `rules` entry naming no rule or a scope no resource carries. An unreadable tag is a warning,
 * never an error.
 */
export async function collectReport(
  clients: ReportClients,
  options: CollectOptions,
): Promise<CollectedReport> {
  const { log, region, policy } = options;
  const started = (options.clock ?? systemClock).now();
  const collectedAt = started.toISOString();
  const [collected, audit] = await Promise.all([
    collectAll(clients, options),
    collectRemediation(options, started),
  ]);
  const { loaded } = collected;
  const calls: CallCounts = { ...collected.identity.calls };
  calls.ListFindings = collected.cve.calls;
  addCalls(calls, collected.cve.status.calls);
  addCalls(calls, collected.cce.calls);
  addCalls(calls, collected.passing.calls);
  addCalls(calls, collected.inventory.calls);
  if (audit) addCalls(calls, audit.calls);
  const warnings = [
    ...scanCoverage(collected.cve.status, region, loaded.scanTypes).warnings,
    ...collected.inventory.warnings,
    ...collected.cce.warnings,
    ...(audit?.warnings ?? []),
  ];

  const accountId =
    collected.inventory.resources.find((asset) => asset.accountId)?.accountId ??
    collected.cve.findings.find(({ finding }) => finding.resource.accountId)?.finding.resource
      .accountId ??
    collected.cve.status.accountId;
  const classificationKey = policy.tags?.classification?.key;
  const assets: Asset[] = collected.inventory.resources.map((asset) => {
    const level = classificationKey === undefined ? undefined : asset.tags[classificationKey];
    return level === undefined ? asset : { ...asset, classification: level };
  });
  const known = new Map<string, Record<string, string>>(
    assets.map((asset) => [asset.arn, asset.tags]),
  );

  // Whose tags each finding needs, and which of them neither the source nor the inventory gave.
  const entries: { active: ActiveFinding; kind: 'cve' | 'cce'; target: TagTarget }[] = [
    ...collected.cve.findings.map((active) => ({
      active,
      kind: 'cve' as const,
      target: inspectorTarget(active.finding, region),
    })),
    ...collected.cce.findings.map((finding) => ({
      active: { finding },
      kind: 'cce' as const,
      target: complianceTarget(
        loaded,
        finding.source === 'config' ? 'config' : 'securityhub',
        finding.resource,
        region,
        accountId,
      ),
    })),
  ];
  const scope = options.scope ?? {};
  const scoped = Object.keys(scope).length > 0;
  const passingTargets = scoped
    ? collected.passing.results.map((result) =>
        complianceTarget(
          loaded,
          options.cceSource,
          { type: result.resourceType, id: result.resourceId },
          region,
          accountId,
        ),
      )
    : [];
  const missing = new Set<string>();
  for (const { active, target } of entries) {
    // A source's `{}` may only mean the Tagging API does not serve the ARN: ask the inventory
    // and the first-hand readers too.
    if (!hasTags(active.finding.resource.tags) && 'arn' in target && !known.has(target.arn)) {
      missing.add(target.arn);
    }
  }
  for (const target of passingTargets) {
    if ('arn' in target && !known.has(target.arn)) missing.add(target.arn);
  }
  const unreadable = new Map<string, string>();
  if (missing.size > 0) {
    log(`report: reading the tags of ${missing.size} resource(s) not in the inventory`);
    // The tag reader (with ECR's package) and ECR's client load only when tags are missing.
    const { readTags } = await import('../sources/tagging');
    const ecr = clients.ecr === undefined ? undefined : await clients.ecr();
    const reading = await readTags(
      {
        tagging: loaded.clients.tagging,
        ...(clients.ec2 !== undefined && { ec2: clients.ec2 }),
        ...(ecr !== undefined && { ecr }),
      },
      [...missing],
    );
    addCalls(calls, reading.calls);
    for (const [arn, tags] of reading.tags) known.set(arn, tags);
    for (const failed of reading.unreadable) {
      unreadable.set(failed.arn, `${failed.code}: ${failed.message}`);
    }
  }

  const ownerTag = policy.report.ownerTag;
  const unknownTags: string[] = [];
  const joined: ReportFinding[] = entries.map(({ active, kind, target }) => {
    const { finding, use } = active;
    const own = finding.resource.tags;
    const tags = hasTags(own) || !('arn' in target) ? own : (known.get(target.arn) ?? own);
    if (tags === undefined && !('accountLevel' in target)) {
      unknownTags.push(
        'arn' in target
          ? `${finding.id} on ${target.arn} (${unreadable.get(target.arn) ?? 'not read'})`
          : `${finding.id} on ${target.label} (${target.unknown})`,
      );
    }
    const resource = tags === undefined ? finding.resource : { ...finding.resource, tags };
    const owner = tags?.[ownerTag];
    const classification = classificationKey === undefined ? undefined : tags?.[classificationKey];
    return {
      key: `${finding.source}:${finding.sourceId}`,
      kind,
      finding: { ...finding, resource },
      ...(owner !== undefined && { owner }),
      ...(classification !== undefined && { classification }),
      ...(use !== undefined && { use }),
    };
  });
  if (unknownTags.length > 0) {
    warnings.push(
      `${unknownTags.length} finding(s) are on resources whose tags could not be read, so they show no owner (${ownerTag}): ${loaded.someOf(unknownTags)}`,
    );
  }

  // The sources scoped CCE results on the Tagging API's tags; re-placed here on the joined ones,
  // so failing and passing results of one resource land on the same side of the scope.
  const findings = scoped
    ? joined.filter(
        (item, index) =>
          item.kind === 'cve' ||
          loaded.placeInScope(
            { accountLevel: 'accountLevel' in (entries[index]?.target ?? {}) },
            item.finding.resource.tags === undefined ? {} : { tags: item.finding.resource.tags },
            scope,
          ) !== 'elsewhere',
      )
    : joined;
  if (findings.length < joined.length) {
    log(
      `report: ${joined.length - findings.length} CCE result(s) left out: their resources carry other values of the scope's tags`,
    );
  }

  let passing = collected.passing.results;
  if (scoped) {
    let unplaced = 0;
    passing = passing.filter((_, index) => {
      const target = passingTargets[index] ?? { unknown: 'no ARN', label: '' };
      const knownTags: KnownTags =
        'arn' in target && known.has(target.arn)
          ? { tags: known.get(target.arn) ?? {} }
          : { unknown: 'unknown' };
      const placement = loaded.placeInScope(
        { accountLevel: 'accountLevel' in target },
        knownTags,
        scope,
      );
      if (placement === 'unplaced') unplaced += 1;
      return placement !== 'elsewhere';
    });
    if (unplaced > 0) {
      warnings.push(
        `${unplaced} passing result(s) are on resources that nothing places outside the scope (no scope tag, or tags unknown): they are counted as in scope`,
      );
    }
  }
  const rules = ruleCompliance(
    options.cceSource,
    findings.filter((item) => item.kind === 'cce').map((item) => item.finding),
    passing,
    policy.compliance.defaultSeverity,
  );

  const cve = findings.filter((finding) => finding.kind === 'cve').length;
  log(
    `report: ${cve} CVE and ${findings.length - cve} CCE finding(s), ${rules.length} rule(s), ${assets.length} resource(s); ${Object.values(calls).reduce((sum, count) => sum + count, 0)} AWS call(s)`,
  );
  return {
    collectedAt,
    region,
    accountId,
    cceSource: options.cceSource,
    cveScanned: collected.cve.status.scanned,
    findings,
    rules,
    assets,
    warnings,
    calls,
    ...(audit && { remediation: audit.remediation }),
  };
}

/**
 * The remediation audit records of the Remediation section's window, when the report was told
 * where they are: every UTC day from REMEDIATION_WINDOW_DAYS + 1 days before `now` (a run's
 * record is filed under its start day, and the window is by finish time) through today.
 */
async function collectRemediation(
  options: CollectOptions,
  now: Date,
): Promise<
  { remediation: CollectedRemediation; warnings: string[]; calls: CallCounts } | undefined
> {
  const audit = options.remediationAudit;
  if (audit === undefined) return undefined;
  const from = new Date(now.getTime() - (REMEDIATION_WINDOW_DAYS + 1) * 86_400_000);
  const reading = await readRemediationAudit(audit.location, {
    from,
    to: now,
    log: options.log,
    ...(audit.s3 !== undefined && { s3: audit.s3 }),
  });
  return {
    remediation: {
      location: reading.location,
      records: reading.records,
      ...(reading.empty !== undefined && { empty: reading.empty }),
    },
    warnings: reading.warnings,
    calls: reading.calls,
  };
}
