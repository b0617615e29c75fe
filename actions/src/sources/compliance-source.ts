/**
 * The clients of the one compliance source a run names, as compliance-gate and remediate read
 * it: AWS Config with the Tagging API, or Security Hub with the Tagging API and STS (the caller's
 * account). Built on first use, so a run never parses the other source's SDK package (in the
 * bundles each is a chunk file); each command loads the source's module itself, by `import()`.
 * Kept apart from sources/compliance, which bundles without these chunks import too.
 */
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { STSClient } from '@aws-sdk/client-sts';
import { lazyClient, type LazyClient } from '../core/aws';

/**
 * The clients either source reads with, for one region, each built on its first use (core/aws
 * `LazyClient`): a run asks only for those of its source. A test gives its own client as
 * `() => Promise.resolve(client)`.
 */
export interface ComplianceSourceClients {
  config: LazyClient<ConfigServiceClient>;
  tagging: LazyClient<ResourceGroupsTaggingAPIClient>;
  securityhub: LazyClient<SecurityHubClient>;
  /** Names the caller's account, whose Security Hub control results alone are read. */
  sts: LazyClient<STSClient>;
}

/**
 * `ComplianceSourceClients` for `region` from the core client factory. Each `import()` is a
 * literal and destructured, the form in which the bundler makes it a chunk holding only what is
 * used (core/aws `lazyClient`).
 */
export function complianceSourceClients(region: string): ComplianceSourceClients {
  return {
    config: lazyClient(
      async () => {
        const { ConfigServiceClient } = await import('@aws-sdk/client-config-service');
        return ConfigServiceClient;
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
    securityhub: lazyClient(
      async () => {
        const { SecurityHubClient } = await import('@aws-sdk/client-securityhub');
        return SecurityHubClient;
      },
      { region },
    ),
    sts: lazyClient(
      async () => {
        const { STSClient } = await import('@aws-sdk/client-sts');
        return STSClient;
      },
      { region },
    ),
  };
}
