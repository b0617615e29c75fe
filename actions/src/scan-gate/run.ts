import type { Log } from '../core/log';
import { ECRClient } from '@aws-sdk/client-ecr';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { createClient, resolveRegion } from '../core/aws';
import type { Clock } from '../core/clock';
import { formatDuration } from '../core/duration';
import { errorMessage } from '../core/errors';
import { errorVerdict, writeGateReports } from '../core/gate-report';
import { classificationFailOn } from '../core/tag-policy';
import type { Finding } from '../core/model';
import { loadPolicy, type LoadedPolicy } from '../core/policy';
import { toSarif } from '../core/sarif';
import type { Verdict } from '../core/verdict';
import {
  assertEnhancedScanning,
  repositoryTags,
  resolveImageDigest,
  waitForImageScan,
  type ScanWaitOptions,
} from '../sources/ecr';
import { evaluateImage, type ImageSubject } from './evaluate';
import { parseImageRef, type ResolvedImage } from '../sources/image-ref';
import type { ScanGateInputs } from './inputs';
import { listImageFindings } from '../sources/inspector';
import { imageSarifEntries, renderImageSummary } from './render';

export interface AwsClients {
  ecr: ECRClient;
  inspector: Inspector2Client;
}

export interface ScanGateDeps {
  clock: Clock;
  log: Log;
  /** Builds the clients for the registry's region; tests may pass their own. */
  clients?: (region: string) => AwsClients;
  /** Poller tuning (tests shorten the delays; the clock is always deps.clock). */
  wait?: Omit<ScanWaitOptions, 'timeoutMs' | 'clock' | 'log'>;
}

export interface ScanGateRun {
  verdict: Verdict;
  summary: string;
  reportDir: string;
  files: Record<string, string>;
  image?: ResolvedImage;
}

function defaultClients(region: string): AwsClients {
  return {
    ecr: createClient(ECRClient, { region }),
    inspector: createClient(Inspector2Client, { region }),
  };
}

/**
 * The scan gate, as both the action and the CLI run it: resolve, wait, list, evaluate, report.
 * Never throws for AWS or input problems: those become an `error` verdict (exit 2) with reports.
 */
export async function scanGate(inputs: ScanGateInputs, deps: ScanGateDeps): Promise<ScanGateRun> {
  const { clock, log } = deps;
  const subject: Record<string, unknown> = { image: inputs.image };
  let policy: LoadedPolicy | undefined;
  let findings: Finding[] = [];
  const context: Record<string, unknown> = {};
  let verdict: Verdict;
  let image: ResolvedImage | undefined;
  try {
    policy = await loadPolicy(inputs.policy);
    log(
      `policy: ${policy.origin} (image.fail-on: ${policy.policy.image.failOn.join(', ') || 'nothing'})`,
    );
    const ref = parseImageRef(inputs.image);
    const region = ref.region ?? resolveRegion(inputs.region);
    const { ecr, inspector } = (deps.clients ?? defaultClients)(region);
    image = await resolveImageDigest(ecr, ref, region);
    Object.assign(subject, image);
    log(`image: ${ref.text} is ${image.repository}@${image.digest}`);
    await assertEnhancedScanning(ecr, image.registryId);
    const scan = await waitForImageScan(ecr, image, {
      ...deps.wait,
      timeoutMs: inputs.timeoutMs,
      clock,
      log,
    });
    context.scan = scan;
    const listed = await listImageFindings(inspector, image, { log });
    context.listFindingsCalls = listed.calls;
    context.droppedByClientCheck = listed.dropped;
    findings = listed.findings;
    log(
      `listed ${findings.length} ACTIVE findings in ${listed.calls} ListFindings call(s)` +
        (listed.dropped > 0
          ? `; ${listed.dropped} returned for other images or statuses were ignored`
          : ''),
    );
    const imageSubject: ImageSubject = {
      image: inputs.image,
      repository: image.repository,
      digest: image.digest,
      region: image.region,
      ...(image.tag !== undefined && { tag: image.tag }),
      ...(image.registryId !== undefined && { registryId: image.registryId }),
    };
    const classification = classificationFailOn(
      policy.policy.tags,
      policy.policy.tags?.classification ? await repositoryTags(ecr, image) : {},
    );
    if (classification) {
      imageSubject.classification = classification;
      log(
        `repository ${image.repository} is classified ${classification.level}: fail-on ${classification.failOn.join(', ')}`,
      );
    }
    verdict = evaluateImage({
      findings,
      policy,
      subject: imageSubject,
      now: clock.now(),
      scanCounts: scan.counts,
    });
  } catch (error) {
    verdict = errorVerdict('scan-gate', errorMessage(error), subject, policy, clock.now());
  }
  const summary = renderImageSummary(verdict, inputs.outputDir);
  const files = await writeGateReports({
    dir: inputs.outputDir,
    verdict,
    summary,
    sarif: toSarif(imageSarifEntries(verdict, findings), 'assetguard/scan-gate'),
    inputs: {
      image: inputs.image,
      policy: inputs.policy,
      timeout: formatDuration(inputs.timeoutMs),
      region: inputs.region,
    },
    context,
    policy,
    findings,
  });
  return {
    verdict,
    summary,
    reportDir: inputs.outputDir,
    files,
    ...(image !== undefined && { image }),
  };
}
