import { ECRClient } from '@aws-sdk/client-ecr';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createClient, lazyClient } from '../../core/aws';
import { jsonLog, parameterNameFrom, type AutoTagDeps } from './handler';

/** Real clients in the Lambda's own region (Lambda sets AWS_REGION). */
export function defaultDeps(env: NodeJS.ProcessEnv = process.env): AutoTagDeps {
  return {
    ssm: createClient(SSMClient),
    tagging: createClient(ResourceGroupsTaggingAPIClient),
    // Loaded on the first EC2 resource an event creates (sources/tagging, sinks/tag-writer).
    ec2: lazyClient(async () => {
      const { EC2Client } = await import('@aws-sdk/client-ec2');
      return EC2Client;
    }),
    s3: createClient(S3Client),
    ecr: createClient(ECRClient),
    parameterName: parameterNameFrom(env),
    now: () => new Date(),
    log: jsonLog,
  };
}
