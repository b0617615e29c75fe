import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createClient } from '../../core/aws';
import { jsonLog, parameterNameFrom, type AutoTagDeps } from './handler';

/** Real clients in the Lambda's own region (Lambda sets AWS_REGION). */
export function defaultDeps(env: NodeJS.ProcessEnv = process.env): AutoTagDeps {
  return {
    ssm: createClient(SSMClient),
    tagging: createClient(ResourceGroupsTaggingAPIClient),
    ec2: createClient(EC2Client),
    s3: createClient(S3Client),
    ecr: createClient(ECRClient),
    parameterName: parameterNameFrom(env),
    now: () => new Date(),
    log: jsonLog,
  };
}
