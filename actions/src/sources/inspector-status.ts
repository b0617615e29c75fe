/**
 * What Inspector2 scans in this account and region: its status per resource type, read with
 * BatchGetAccountStatus. A listing of ACTIVE findings cannot tell "no vulnerabilities" from
 * "nothing scanned"; this can. Its own module (not sources/inspector) because the scan gate
 * imports that one and grants only what it calls.
 */
import {
  BatchGetAccountStatusCommand,
  type BatchGetAccountStatusCommandOutput,
  type Inspector2Client,
} from '@aws-sdk/client-inspector2';
import type { STSClient } from '@aws-sdk/client-sts';
import { readCallerAccount } from './identity';
import type { CallCounts } from '../core/collections';
import { awsFailure, UndecidedError } from '../core/errors';

/** The operation (and the permission) this module calls. */
const OPERATION = 'inspector2:BatchGetAccountStatus';

/** Inspector2's Status enum (the inspector2 service model), for an account and each resource type. */
export const INSPECTOR_STATUSES = [
  'ENABLING',
  'ENABLED',
  'DISABLING',
  'DISABLED',
  'SUSPENDING',
  'SUSPENDED',
] as const;
export type InspectorStatus = (typeof INSPECTOR_STATUSES)[number];

/** The resource types the daily report lists package vulnerabilities of, as `aws inspector2 enable --resource-types` names them. */
export type InspectorScanType = 'ECR' | 'EC2' | 'LAMBDA';

/**
 * Each scan type: its key in BatchGetAccountStatus' `resourceState` and what it scans, in the
 * report's words. `ec2` and `ecr` are required in the answer; `lambda` is optional (the model
 * added it later), and an absent one is read as not scanned.
 */
export const INSPECTOR_SCAN_TYPES: readonly {
  type: InspectorScanType;
  key: 'ecr' | 'ec2' | 'lambda';
  required: boolean;
  scans: string;
}[] = [
  { type: 'ECR', key: 'ecr', required: true, scans: 'ECR images' },
  { type: 'EC2', key: 'ec2', required: true, scans: 'EC2 instances' },
  { type: 'LAMBDA', key: 'lambda', required: false, scans: 'Lambda functions' },
];

/** What Inspector2 scans for one account in the client's region. */
export interface InspectorScanStatus {
  accountId: string;
  /**
   * The account's `state.status`; undefined when the answer lists the account in neither
   * `accounts` nor `failedAccounts` (moto answers so for an account never enabled).
   */
  accountStatus?: InspectorStatus;
  /** Each scan type's `resourceState.<key>.status`; `NOT_LISTED` when the answer gives none. */
  resources: Record<InspectorScanType, InspectorStatus | 'NOT_LISTED'>;
  /** The types whose status is ENABLED (only those are scanned), in ECR, EC2, LAMBDA order. */
  scanned: InspectorScanType[];
  /** Calls per operation: BatchGetAccountStatus once, and GetCallerIdentity once unless the account was given. */
  calls: CallCounts;
}

function isStatus(value: unknown): value is InspectorStatus {
  return typeof value === 'string' && (INSPECTOR_STATUSES as readonly string[]).includes(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(accountId: string, problem: string): UndecidedError {
  return new UndecidedError(
    `${OPERATION} answered ${problem} for account ${accountId}; refusing to guess what Inspector2 scans from a malformed answer`,
  );
}

/** A `State` object's status (`{ status, errorCode?, errorMessage? }`), checked against the enum. */
function statusOf(accountId: string, where: string, state: unknown): InspectorStatus {
  if (!isObject(state)) return failStatus(accountId, `no ${where}`);
  const { status } = state;
  if (!isStatus(status)) {
    return failStatus(
      accountId,
      status === undefined
        ? `${where} without its status`
        : `${where}.status ${JSON.stringify(status)}, which is not one of ${INSPECTOR_STATUSES.join(', ')}`,
    );
  }
  return status;
}

function failStatus(accountId: string, problem: string): never {
  throw malformed(accountId, problem);
}

/**
 * Reads what Inspector2 scans for the caller's own account (sts:GetCallerIdentity) in the
 * clients' region: one BatchGetAccountStatus call with `accountIds: [account]`. The id is sent
 * rather than left out (which real Inspector2 reads as the caller's account) because moto 5.2.1
 * fails with HTTP 500 on a request without accountIds once any account is enabled.
 *
 * Returns the account's status, each scan type's status (ECR, EC2, LAMBDA) and the types that
 * are ENABLED; a type ENABLING, DISABLED, SUSPENDED (…) or absent is not scanned. An account the
 * answer names in neither list is returned with nothing scanned (Inspector2 never enabled there).
 *
 * Fails closed, each error naming inspector2:BatchGetAccountStatus: an answer without its
 * `accounts` list, an entry without accountId, the account listed twice, its `state` or
 * `resourceState` missing, `ec2`/`ecr` missing, a status outside the Status enum (UndecidedError,
 * exit 2); the account in `failedAccounts` (UndecidedError with Inspector2's errorCode and
 * errorMessage); SDK failures become AwsError naming the permission; `signal` aborts the call.
 * A GetCallerIdentity failure or an answer without a 12-digit Account names sts:GetCallerIdentity.
 */
export async function readInspectorScanStatus(
  clients: { inspector: Inspector2Client; sts: STSClient },
  options: { signal?: AbortSignal; accountId?: string } = {},
): Promise<InspectorScanStatus> {
  const calls: CallCounts = {};
  const accountId = options.accountId ?? (await readCallerAccount(clients.sts, calls));
  calls.BatchGetAccountStatus = 1;
  let answer: BatchGetAccountStatusCommandOutput;
  try {
    answer = await clients.inspector.send(
      new BatchGetAccountStatusCommand({ accountIds: [accountId] }),
      ...(options.signal ? [{ abortSignal: options.signal }] : []),
    );
  } catch (error) {
    if (options.signal?.aborted) {
      throw new UndecidedError(
        `the run's deadline passed while reading what Inspector2 scans (${OPERATION})`,
      );
    }
    throw awsFailure(`read what Inspector2 scans in account ${accountId}`, OPERATION, error);
  }
  const wire = answer as unknown as Record<string, unknown>;
  if (!Array.isArray(wire.accounts)) {
    throw malformed(accountId, 'without its accounts list (an empty or malformed body)');
  }
  if (wire.failedAccounts !== undefined && !Array.isArray(wire.failedAccounts)) {
    throw malformed(accountId, 'a failedAccounts that is not a list');
  }
  const entries = (list: unknown[]): Record<string, unknown>[] =>
    list.map((entry) => {
      if (!isObject(entry) || typeof entry.accountId !== 'string' || entry.accountId === '') {
        throw malformed(accountId, 'an entry without its accountId');
      }
      return entry;
    });
  const accounts = entries(wire.accounts as unknown[]);
  const failedAccounts = entries((wire.failedAccounts as unknown[] | undefined) ?? []);
  const failed = failedAccounts.find((entry) => entry.accountId === accountId);
  if (failed !== undefined) {
    const code = typeof failed.errorCode === 'string' ? failed.errorCode : 'no errorCode';
    const message = typeof failed.errorMessage === 'string' ? `: ${failed.errorMessage}` : '';
    throw new UndecidedError(
      `${OPERATION} could not read what Inspector2 scans in account ${accountId} (${code}${message}); a CVE report cannot tell "no vulnerabilities" from "nothing scanned" without it`,
    );
  }
  const mine = accounts.filter((entry) => entry.accountId === accountId);
  if (mine.length > 1) throw malformed(accountId, `${mine.length} states`);
  const [entry] = mine;
  if (entry === undefined) {
    return {
      accountId,
      resources: { ECR: 'NOT_LISTED', EC2: 'NOT_LISTED', LAMBDA: 'NOT_LISTED' },
      scanned: [],
      calls,
    };
  }
  const accountStatus = statusOf(accountId, 'state', entry.state);
  const { resourceState } = entry;
  if (!isObject(resourceState)) throw malformed(accountId, 'no resourceState');
  const resources = {} as Record<InspectorScanType, InspectorStatus | 'NOT_LISTED'>;
  for (const { type, key, required } of INSPECTOR_SCAN_TYPES) {
    const state = resourceState[key];
    resources[type] =
      state === undefined && !required
        ? 'NOT_LISTED'
        : statusOf(accountId, `resourceState.${key}`, state);
  }
  const scanned = INSPECTOR_SCAN_TYPES.map(({ type }) => type).filter(
    (type) => resources[type] === 'ENABLED',
  );
  return { accountId, accountStatus, resources, scanned, calls };
}
