/**
 * The seeded demo estate: one vulnerable and one clean image of the web service, and Security
 * Hub's view of the account it deploys into. Shared by the demo and the tests so both show the
 * same world. Resource ids carry REGION, replaced by the region they are seeded into.
 */
import type { SeedControlFinding, SeedFinding } from './seed';

/** Findings of web:1.0.0: a CRITICAL and two HIGHs block under the default policy. */
export const VULNERABLE: SeedFinding[] = [
  {
    cve: 'CVE-2024-6387',
    severity: 'CRITICAL',
    packageName: 'openssh-server',
    installed: '1:9.2p1-2',
    fixed: '1:9.2p1-2+deb12u3',
    epss: 0.92,
    exploit: true,
  },
  {
    cve: 'CVE-2023-4911',
    severity: 'HIGH',
    packageName: 'libc6',
    installed: '2.36-9',
    fixed: '2.36-9+deb12u3',
  },
  { cve: 'CVE-2024-2961', severity: 'HIGH', packageName: 'libc6', installed: '2.36-9' },
  {
    cve: 'CVE-2023-44487',
    severity: 'MEDIUM',
    packageName: 'nghttp2',
    installed: '1.52.0-1',
    fixed: '1.52.0-1+deb12u1',
  },
  { cve: 'CVE-2022-0563', severity: 'LOW', packageName: 'util-linux', installed: '2.38.1-5' },
  {
    cve: 'CVE-2021-0001',
    severity: 'HIGH',
    packageName: 'zlib1g',
    installed: '1.2.13',
    status: 'SUPPRESSED',
  },
];

/** Findings of web:1.0.1: one LOW, nothing that blocks. */
export const CLEAN: SeedFinding[] = [
  { cve: 'CVE-2022-0563', severity: 'LOW', packageName: 'util-linux', installed: '2.38.1-5' },
];

/** Security Hub's view: a public prod bucket (blocks prod), an open dev security group, a suppressed and a passed control. */
export const ESTATE_CONTROLS: SeedControlFinding[] = [
  {
    controlId: 'S3.8',
    ruleName: 'securityhub-s3-bucket-level-public-access-prohibited-8f3a1c',
    severity: 'HIGH',
    resourceType: 'AwsS3Bucket',
    resourceId: 'arn:aws:s3:::shop-prod-assets',
    tags: { Environment: 'prod', Service: 'web' },
  },
  {
    controlId: 'EC2.13',
    severity: 'HIGH',
    resourceType: 'AwsEc2SecurityGroup',
    resourceId: 'arn:aws:ec2:REGION:123456789012:security-group/sg-0dev',
    tags: { Environment: 'dev' },
  },
  {
    controlId: 'EC2.19',
    severity: 'CRITICAL',
    resourceType: 'AwsEc2SecurityGroup',
    resourceId: 'arn:aws:ec2:REGION:123456789012:security-group/sg-0prod',
    tags: { Environment: 'prod', Service: 'web' },
    workflow: 'SUPPRESSED',
  },
  {
    controlId: 'IAM.7',
    severity: 'MEDIUM',
    resourceType: 'AwsAccount',
    resourceId: 'AWS::::Account:123456789012',
  },
  {
    controlId: 'RDS.2',
    severity: 'CRITICAL',
    resourceType: 'AwsRdsDbInstance',
    resourceId: 'arn:aws:rds:REGION:123456789012:db:shop-prod',
    tags: { Environment: 'prod', Service: 'web' },
    status: 'PASSED',
  },
];
