import { ECRClient } from '@aws-sdk/client-ecr';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { createClient, resolveRegion } from '../core/aws';
import { formatDuration } from '../core/duration';
import { gateOutcomeLine } from '../core/markdown';
import { emptyCounts, type SeverityCounts } from '../core/model';
import {
  gateOutputValues,
  runCommand,
  type Command,
  type CommandRun,
  type RunDeps,
} from '../core/runner';
import { toSarif } from '../core/sarif';
import type { BlockingEntry } from '../core/verdict';
import {
  assertEnhancedScanning,
  repositoryTags,
  resolveImageDigest,
  waitForImageScan,
  type ScanWaitOptions,
} from '../sources/ecr';
import { parseImageRef } from '../sources/image-ref';
import { listImageFindings } from '../sources/inspector';
import { evaluateImage, type ImageSubject, type ScanContext } from './evaluate';
import {
  parseScanGateInputs,
  SCAN_GATE_INPUTS,
  SCAN_GATE_OUTPUTS,
  type ScanGateInputs,
} from './inputs';
import { IMAGE_WORDS, imageName, imageSarifEntries, renderImageSummary } from './render';

/** The clients the scan gate reads with, for the registry's region. */
export interface AwsClients {
  ecr: ECRClient;
  inspector: Inspector2Client;
}

/** What the scan gate needs besides the clock and the log; tests and the bench set these. */
export interface ScanGateOptions {
  /** Builds the clients for the registry's region (default: the core client factory). */
  clients?: (region: string) => AwsClients;
  /** Poller tuning (tests shorten the delays; the clock is always the run's). */
  wait?: Omit<ScanWaitOptions, 'timeoutMs' | 'clock' | 'log'>;
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
    inspector: createClient(Inspector2Client, { region }),
  };
}

/**
 * The scan gate as a command of the shared runner: resolve the image to its digest (ECR
 * DescribeImages), check enhanced scanning, wait for the scan (the custom poller), list the
 * image's ACTIVE Inspector2 findings, read the repository's tags when the policy classifies by
 * tag, then `evaluateImage`. Reports: verdict.json, summary.md, results.sarif, evidence.json.
 */
export function scanGateCommand(options: ScanGateOptions = {}): Command<ScanGateTypes> {
  return {
    name: 'scan-gate',
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
      log(
        `policy: ${policy.origin} (image.fail-on: ${policy.policy.image.failOn.join(', ') || 'nothing'})`,
      );
      const ref = parseImageRef(inputs.image);
      const region = ref.region ?? resolveRegion(inputs.region);
      const { ecr, inspector } = (options.clients ?? defaultClients)(region);
      const image = await resolveImageDigest(ecr, ref, region);
      const subject: ImageSubject = { image: inputs.image, ...image };
      progress.subject = subject;
      log(`image: ${ref.text} is ${image.repository}@${image.digest}`);
      await assertEnhancedScanning(ecr, image.registryId);
      const scan = await waitForImageScan({ ecr, inspector }, image, {
        ...options.wait,
        timeoutMs: inputs.timeoutMs,
        clock,
        log,
      });
      progress.context.scan = scan;
      const listed = await listImageFindings(inspector, image, { log });
      progress.context.listFindingsCalls = listed.calls;
      progress.context.droppedByClientCheck = listed.dropped;
      progress.findings = listed.findings;
      log(
        `listed ${listed.findings.length} ACTIVE findings in ${listed.calls} ListFindings call(s)` +
          (listed.dropped > 0
            ? `; ${listed.dropped} returned for other images or statuses were ignored`
            : ''),
      );
      if (policy.policy.tags?.classification) {
        subject.repositoryTags = await repositoryTags(ecr, image);
      }
      const verdict = evaluateImage({
        findings: listed.findings,
        policy,
        subject,
        now: clock.now(),
        scanCounts: scan.counts,
      });
      const { classification } = verdict.subject;
      if (classification) {
        log(
          `repository ${image.repository} is classified ${classification.level}: fail-on ${classification.failOn.join(', ')}`,
        );
      }
      return { verdict, details: undefined };
    },
    render: ({ verdict, progress, reportDir }) => ({
      summary: renderImageSummary(verdict, reportDir),
      files: {
        'results.sarif': toSarif(
          imageSarifEntries(verdict, progress.findings),
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
