import { ECRClient } from '@aws-sdk/client-ecr';
import type { Inspector2Client } from '@aws-sdk/client-inspector2';
import {
  clientOf,
  createClient,
  firstRequestSent,
  lazyClient,
  resolveRegion,
  type LazyClient,
} from '../core/aws';
import { formatDuration } from '../core/duration';
import { gateOutcomeLine } from '../core/markdown';
import { emptyCounts, type Severity, type SeverityCounts } from '../core/model';
import {
  gateOutputValues,
  runCommand,
  type Command,
  type CommandRun,
  type RunDeps,
} from '../core/runner';
import { sarifReport } from '../core/sarif';
import type { BlockingEntry } from '../core/verdict';
import { UndecidedError } from '../core/errors';
import type { Finding } from '../core/model';
import {
  repositoryTags,
  resolveImageTargets,
  startEnhancedScanningCheck,
  waitForImageScan,
  type ScanEvidence,
  type ScanWaitOptions,
} from '../sources/ecr';
import { formatImage, parseImageRef, type ResolvedImage } from '../sources/image-ref';
import { LISTING_CONCURRENCY, listImageFindings, type ListedFindings } from '../sources/inspector';
import { allOrFirstFailure, concurrencyLimit } from '../sources/paging';
import {
  evaluateImage,
  type ImagePlatform,
  type ImageSubject,
  type PlatformEvidence,
  type ScanContext,
} from './evaluate';
import {
  parseScanGateInputs,
  SCAN_GATE_INPUTS,
  SCAN_GATE_OUTPUTS,
  type ScanGateInputs,
} from './inputs';
import { IMAGE_WORDS, imageName, imageSarifSource, renderImageSummary } from './render';

/**
 * The clients the scan gate reads with, for the registry's region. Inspector2's is needed only
 * once the image is resolved: by default it is built, and its package loaded, after the first ECR
 * request has been sent (core/aws `lazyClient`, `firstRequestSent`), while its answer is awaited;
 * a test or the bench may give a client itself.
 */
export interface AwsClients {
  ecr: ECRClient;
  inspector: Inspector2Client | LazyClient<Inspector2Client>;
}

/** What the scan gate needs besides the clock and the log; tests and the bench set these. */
export interface ScanGateOptions {
  /** Builds the clients for the registry's region (default: the core client factory). */
  clients?: (region: string) => AwsClients;
  /** Poller tuning (tests shorten the delays; the clock, the deadline and the log are the run's). */
  wait?: Omit<ScanWaitOptions, 'timeoutMs' | 'clock' | 'log' | 'signal'>;
}

export type ScanGateDeps = RunDeps & ScanGateOptions;

/** The scan gate's types, for the shared runner. */
export interface ScanGateTypes {
  inputs: ScanGateInputs;
  subject: ImageSubject;
  counts: SeverityCounts;
  blocking: BlockingEntry;
  context: ScanContext;
  details: undefined;
  outputs: typeof SCAN_GATE_OUTPUTS;
}

export type ScanGateRun = CommandRun<ScanGateTypes>;

function defaultClients(region: string): AwsClients {
  return {
    ecr: createClient(ECRClient, { region }),
    inspector: lazyClient(
      async () => {
        const { Inspector2Client } = await import('@aws-sdk/client-inspector2');
        return Inspector2Client;
      },
      { region },
    ),
  };
}

/**
 * Settles on a call that takes no abort signal of its own, or on the run's deadline, whichever
 * comes first: past the deadline the run does not decide (exit 2).
 */
async function beforeDeadline<T>(call: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  const expired = (): UndecidedError =>
    new UndecidedError(`the run's deadline (the timeout input) passed while trying to ${what}`);
  if (signal.aborted) {
    call.catch(() => undefined);
    throw expired();
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(expired());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    // The loser of the race must not become an unhandled rejection.
    call.catch(() => undefined);
    aborted.catch(() => undefined);
  }
}

/** One scanned manifest: its scan evidence and its ACTIVE findings. */
interface GatedImage {
  image: ResolvedImage;
  scan: ScanEvidence;
  findings: Finding[];
  calls: number;
  dropped: number;
  /** The listing's calls per severity partition, when it was listed by severity. */
  callsBySeverity?: Record<Severity, number>;
}

/** Platform manifests of an image index gated at once (each: its scan wait, then its listing). */
export const PLATFORM_CONCURRENCY = 4;

/** The progress line of one image's listing: how many, in how many calls, and how they were made. */
export function listingLine(listed: ListedFindings, platform?: string): string {
  const how =
    listed.plan === 'severity' && listed.callsBySeverity
      ? `, by severity in concurrent partitions (sum over severities of max(1, ceil(n/100)): ${Object.entries(
          listed.callsBySeverity,
        )
          .map(([severity, calls]) => `${severity} ${calls}`)
          .join(', ')})`
      : '';
  return (
    `listed ${listed.findings.length} ACTIVE findings${platform !== undefined ? ` of ${platform}` : ''} in ${listed.calls} ListFindings call(s)${how}` +
    (listed.dropped > 0
      ? `; ${listed.dropped} returned for other images or statuses were ignored`
      : '')
  );
}

/**
 * The scan gate as a command of the shared runner: resolve the reference (ECR DescribeImages; an
 * image index also BatchGetImage, to list its platform manifests), check enhanced scanning, then
 * for every manifest to gate wait for its scan (the custom poller: ECR status, Inspector2
 * coverage, the quiet window) and list its ACTIVE Inspector2 findings; read the repository's tags
 * when the policy classifies by tag; then `evaluateImage` (the worst over an index's platforms).
 * One deadline, the timeout input, covers the whole run: one-shot calls are aborted at it, and
 * each wait gets only the time left. Reports: verdict.json, summary.md, results.sarif, evidence.json.
 */
export function scanGateCommand(options: ScanGateOptions = {}): Command<ScanGateTypes> {
  return {
    name: 'scan-gate',
    reports: ['results.sarif'],
    inputs: SCAN_GATE_INPUTS,
    outputs: SCAN_GATE_OUTPUTS,
    parse: parseScanGateInputs,
    commandOf: () => 'scan-gate',
    recordedInputs: (inputs) => ({
      image: inputs.image,
      policy: inputs.policy,
      timeout: formatDuration(inputs.timeoutMs),
      region: inputs.region,
    }),
    subjectOf: (inputs) => ({ image: inputs.image }),
    emptyCounts,
    async decide(inputs, policy, progress, { clock, log }) {
      const deadline = clock.now().getTime() + inputs.timeoutMs;
      const signal = AbortSignal.timeout(inputs.timeoutMs);
      const timeLeft = (what: string): number => {
        const left = deadline - clock.now().getTime();
        if (left <= 0) {
          throw new UndecidedError(
            `timed out: the timeout (${formatDuration(inputs.timeoutMs)}) passed before ${what}; raise the timeout input`,
          );
        }
        return left;
      };
      log(
        `policy: ${policy.origin} (image.fail-on: ${policy.policy.image.failOn.join(', ') || 'nothing'})`,
      );
      const ref = parseImageRef(inputs.image);
      const region = ref.region ?? resolveRegion(inputs.region);
      const clients = (options.clients ?? defaultClients)(region);
      const { ecr } = clients;
      // The registry scanning check needs nothing but the client: it is sent beside
      // DescribeImages and decided once the registry id is known; the scan waits do not wait for
      // it either, but none sleeps or settles before it passed (ScanWaitOptions.ready).
      const scanningCheck = startEnhancedScanningCheck(ecr, { signal });
      const resolving = resolveImageTargets(ecr, ref, region, { signal });
      // Inspector2's package loads once ECR's first request is out, while its answer is awaited.
      const inspectorReady = firstRequestSent(resolving).then(() => clientOf(clients.inspector));
      inspectorReady.catch(() => undefined); // awaited below; a failed run never awaits it
      const targets = await resolving;
      const inspector = await inspectorReady;
      const { requested } = targets;
      const scanning = scanningCheck(requested.registryId);
      scanning.catch(() => undefined); // awaited below; its error must not go unhandled meanwhile
      const index = targets.images.some((image) => image.index !== undefined);
      const platforms: ImagePlatform[] | undefined = index
        ? targets.images.map((image) => ({
            digest: image.digest,
            platform: image.platform ?? 'unknown platform',
          }))
        : undefined;
      const subject: ImageSubject = {
        image: inputs.image,
        repository: requested.repository,
        digest: requested.digest,
        region: requested.region,
        ...(requested.tag !== undefined && { tag: requested.tag }),
        ...(requested.registryId !== undefined && { registryId: requested.registryId }),
        ...(platforms !== undefined && { platforms }),
        ...(index && { skipped: targets.skipped }),
      };
      progress.subject = subject;
      if (index) {
        progress.context.skipped = targets.skipped;
        log(
          `image: ${ref.text} is ${requested.repository}@${requested.digest}, an image index (${targets.mediaType ?? 'index'}) of ` +
            `${targets.images.length} platform manifest(s), each gated: ${targets.images.map((image) => `${image.platform ?? '?'} ${image.digest}`).join(', ')}` +
            (targets.skipped.length > 0
              ? `; skipped ${targets.skipped.length} attestation manifest(s): ${targets.skipped.map((entry) => entry.digest).join(', ')}`
              : ''),
        );
      } else {
        log(`image: ${ref.text} is ${requested.repository}@${requested.digest}`);
      }
      // Gate the manifests at once (at most PLATFORM_CONCURRENCY), their ListFindings requests
      // sharing one gate of LISTING_CONCURRENCY; one failing aborts the others.
      const listingLimit = concurrencyLimit(LISTING_CONCURRENCY);
      const platformLimit = concurrencyLimit(PLATFORM_CONCURRENCY);
      const done: (GatedImage | undefined)[] = targets.images.map(() => undefined);
      const record = (): void => {
        // Keep what is known so far, in the index's order: a later failure still reports it.
        const gated = done.filter((entry): entry is GatedImage => entry !== undefined);
        progress.findings = gated.flatMap((entry) => entry.findings);
        progress.context.listFindingsCalls = gated.reduce((sum, entry) => sum + entry.calls, 0);
        progress.context.droppedByClientCheck = gated.reduce(
          (sum, entry) => sum + entry.dropped,
          0,
        );
        if (index) {
          progress.context.platforms = gated.map((entry): PlatformEvidence => ({
            digest: entry.image.digest,
            platform: entry.image.platform ?? 'unknown platform',
            scan: entry.scan,
            listFindingsCalls: entry.calls,
            ...(entry.callsBySeverity !== undefined && {
              listFindingsBySeverity: entry.callsBySeverity,
            }),
            droppedByClientCheck: entry.dropped,
          }));
        } else if (gated[0]?.callsBySeverity !== undefined) {
          progress.context.listFindingsBySeverity = gated[0].callsBySeverity;
        }
      };
      const gateOne = async (
        image: ResolvedImage,
        position: number,
        runSignal: AbortSignal,
      ): Promise<void> => {
        const name = formatImage(image);
        let scan: ScanEvidence;
        try {
          scan = await waitForImageScan({ ecr, inspector }, image, {
            ...options.wait,
            timeoutMs: timeLeft(`the scan of ${name} could be checked`),
            clock,
            log,
            signal: runSignal,
            ready: scanning,
          });
        } catch (error) {
          // The wait had only what was left of the run's time: say whose timeout it was.
          if (
            error instanceof UndecidedError &&
            (signal.aborted || clock.now().getTime() >= deadline)
          ) {
            throw new UndecidedError(
              `the timeout (${formatDuration(inputs.timeoutMs)}, for the whole run) passed: ${error.message}`,
              { cause: error },
            );
          }
          throw error;
        }
        if (!index) progress.context.scan = scan;
        const listed = await listImageFindings(inspector, image, {
          log,
          signal: runSignal,
          limit: listingLimit,
          ...(scan.counts !== undefined && { ecrCounts: scan.counts }),
        });
        log(listingLine(listed, index ? (image.platform ?? '?') : undefined));
        done[position] = {
          image,
          scan,
          findings: listed.findings,
          calls: listed.calls,
          dropped: listed.dropped,
          ...(listed.callsBySeverity !== undefined && { callsBySeverity: listed.callsBySeverity }),
        };
        record();
      };
      let failure: { error: unknown } | undefined;
      await allOrFirstFailure(targets.images, platformLimit, gateOne, signal).catch(
        (error: unknown) => {
          failure = { error };
        },
      );
      // The registry check decides first, as when it ran before the waits: under BASIC scanning
      // that is the error to fix, whatever the waits ran into.
      await scanning;
      if (failure !== undefined) throw failure.error;
      const gated = done.filter((entry): entry is GatedImage => entry !== undefined);
      if (platforms !== undefined) {
        subject.platforms = platforms.map((platform) => {
          const counts = gated.find((entry) => entry.image.digest === platform.digest)?.scan.counts;
          return { ...platform, ...(counts !== undefined && { ecrCounts: counts }) };
        });
      }
      if (policy.policy.tags?.classification) {
        subject.repositoryTags = await beforeDeadline(
          repositoryTags(ecr, requested),
          signal,
          `read the tags of repository ${requested.repository} (ecr:ListTagsForResource)`,
        );
      }
      const verdict = evaluateImage({
        findings: progress.findings,
        policy,
        subject,
        now: clock.now(),
        ...(!index && gated[0]?.scan.counts !== undefined && { scanCounts: gated[0].scan.counts }),
      });
      const { classification } = verdict.subject;
      if (classification) {
        log(
          `repository ${requested.repository} is classified ${classification.level}: fail-on ${classification.failOn.join(', ')}`,
        );
      }
      return { verdict, details: undefined };
    },
    render: ({ verdict, progress, reportDir }) => ({
      summary: renderImageSummary(verdict, reportDir),
      files: {
        // Built only for the results the file keeps (at most 25,000); its compressed size is
        // checked in the thread pool while verdict.json and summary.md are written.
        'results.sarif': sarifReport(
          imageSarifSource(verdict, progress.findings),
          'assetguard/scan-gate',
        ),
      },
    }),
    describe: ({ verdict }, reportDir) =>
      gateOutcomeLine(verdict, imageName(verdict.subject), IMAGE_WORDS, reportDir),
    outputValues: (run) => ({
      ...gateOutputValues(run),
      'image-digest': run.verdict.subject.digest ?? '',
    }),
  };
}

/**
 * Runs the scan gate on parsed inputs, as the action and the CLI do (through the shared runner):
 * never throws for AWS or input problems; those become an `error` verdict (exit 2) with reports.
 */
export function scanGate(inputs: ScanGateInputs, deps: ScanGateDeps): Promise<ScanGateRun> {
  return runCommand(scanGateCommand(deps), { inputs }, deps);
}
