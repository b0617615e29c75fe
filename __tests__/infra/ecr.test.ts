import path from 'node:path';

import { asRecord, single, TfDir, type Hcl } from '../support/hcl';

// The registry side of the scan gate: infra/modules/ecr-scanning and how the stack wires it. The
// scan gate trusts that a tag names one digest (immutable tags), that Inspector2 scans that
// digest (enhanced, continuous scanning of the repository), and the tasks must be able to pull
// the collector image without a NAT gateway (the ECR Public pull-through cache).

const INFRA = path.resolve(__dirname, '../../infra');

let ecr: TfDir;
let stack: TfDir;

beforeAll(async () => {
  [ecr, stack] = await Promise.all([
    TfDir.load(path.join(INFRA, 'modules/ecr-scanning')),
    TfDir.load(path.join(INFRA, 'modules/stack')),
  ]);
});

describe('ecr-scanning module', () => {
  it('makes the repository tags immutable and its encryption AES256 or KMS', () => {
    const repo = ecr.resource('aws_ecr_repository', 'app');
    expect(repo.image_tag_mutability).toBe('IMMUTABLE');
    const encryption = single(repo.encryption_configuration, 'encryption_configuration');
    expect(encryption.encryption_type).toMatch(/AES256/);
    expect(encryption.encryption_type).toMatch(/KMS/);
  });

  it('turns on ENHANCED scanning with a CONTINUOUS_SCAN rule that covers the repository by default', () => {
    const config = ecr.resource('aws_ecr_registry_scanning_configuration', 'this');
    expect(config.scan_type).toBe('ENHANCED');
    const rule = single(config.rule, 'scanning rule');
    expect(rule.scan_frequency).toBe('CONTINUOUS_SCAN');
    const filter = single(rule.repository_filter, 'repository_filter');
    expect(filter.filter_type).toBe('WILDCARD');
    expect(filter.filter).toBe('${local.scan_filter}');
    // The explicit filter when given, else the repository itself.
    expect(ecr.locals().scan_filter).toBe(
      '${coalesce(var.scan_repository_filter, var.repository_name)}',
    );
  });

  it('can enable Inspector2 for ECR, and can leave it to another module', () => {
    const enabler = ecr.resource('aws_inspector2_enabler', 'ecr');
    expect(enabler.resource_types).toEqual(['ECR']);
    expect(enabler.count).toBe('${var.enable_inspector ? 1 : 0}');
  });

  it('caches Amazon ECR Public through the private registry when given a prefix', () => {
    const rule = ecr.resource('aws_ecr_pull_through_cache_rule', 'ecr_public');
    expect(rule.upstream_registry_url).toBe('public.ecr.aws');
    expect(rule.ecr_repository_prefix).toBe('${var.ecr_public_cache_prefix}');
    expect(rule.count).toBe('${var.ecr_public_cache_prefix == null ? 0 : 1}');
  });

  it('requires AWS provider 6.66 or later within 6.x', () => {
    const terraform = single(
      ecr.files.flatMap((f) => (f.json.terraform as Hcl[] | undefined) ?? []),
      'terraform',
    );
    const providers = single(terraform.required_providers, 'required_providers');
    expect(asRecord(providers.aws, 'aws')).toEqual({ source: 'hashicorp/aws', version: '~> 6.66' });
  });
});

describe('the stack and its registry', () => {
  it('creates the repository in the baseline root only, and looks it up elsewhere', () => {
    const module = stack.module('ecr');
    expect(module.source).toBe('../ecr-scanning');
    expect(module.count).toBe('${var.account_baseline ? 1 : 0}');
    expect(module.repository_name).toBe('${local.ecr_repository_name}');
    const lookup = stack.data('aws_ecr_repository', 'app');
    expect(lookup.count).toBe('${var.account_baseline ? 0 : 1}');
    expect(lookup.name).toBe('${local.ecr_repository_name}');

    const locals = stack.locals();
    expect(locals.ecr_repository_arn).toBe(
      '${var.account_baseline ? module.ecr[0].repository_arn : data.aws_ecr_repository.app[0].arn}',
    );
    expect(locals.ecr_repository_url).toBe(
      '${var.account_baseline ? module.ecr[0].repository_url : data.aws_ecr_repository.app[0].repository_url}',
    );
  });

  it('enables Inspector2 for ECR exactly once in the baseline root', () => {
    // Two aws_inspector2_enabler resources for one account overwrite each other's resource types:
    // security.tf's inspector2 module enables ECR with EC2 and Lambda, so the ecr module must not.
    const enablers = [stack.module('ecr'), stack.module('inspector2')].filter((call) => {
      if (call.source === '../ecr-scanning') return call.enable_inspector !== false;
      const types = call.resource_types;
      return types === undefined || (Array.isArray(types) && types.includes('ECR'));
    });
    expect(enablers.map((call) => call.source)).toEqual(['../inspector2']);
    expect(stack.module('inspector2').count).toBe('${var.account_baseline ? 1 : 0}');
  });

  it('runs the collector from the pull-through cache the ecr module creates, and lets the tasks fill it', () => {
    const locals = stack.locals();
    expect(stack.module('ecr').ecr_public_cache_prefix).toBe('${local.ecr_public_cache_prefix}');
    expect(locals.collector_repository).toBe(
      '${local.ecr_public_cache_prefix}/aws-observability/aws-otel-collector',
    );
    const ecs = stack.module('ecs');
    expect(ecs.collector_image).toBe(
      '${local.registry}/${local.collector_repository}:${var.collector_version}',
    );
    expect(ecs.pull_through_repository_arns).toEqual(['${local.collector_repository_arn}']);
    expect(String(locals.collector_repository_arn)).toContain(
      'repository/${local.collector_repository}',
    );
    // Pinned, never a moving tag.
    expect(stack.variable('collector_version').default).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('lets the execution role pull the app image only from the stack repository', () => {
    expect(stack.module('ecs').pull_repository_arns).toEqual(['${local.ecr_repository_arn}']);
    expect(stack.module('ecs').image).toBe('${local.ecr_repository_url}:${var.app_image_tag}');
  });
});
