import { readFileSync } from 'node:fs';
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

  describe('lifecycle policy', () => {
    interface LifecycleRule {
      rulePriority: number;
      selection: {
        tagStatus: string;
        tagPrefixList?: string[];
        tagPatternList?: string[];
        countType: string;
        countUnit?: string;
        countNumber: unknown;
      };
      action: { type: string };
    }
    const rules = (): LifecycleRule[] => ecr.locals().lifecycle_rules as LifecycleRule[];

    /**
     * The rule that selects an image with these tags, as ECR evaluates a policy: by rulePriority,
     * the first rule whose tag requirements the image meets (a lower-priority rule never expires
     * what a higher one selected). A tagged rule selects an image when each of its prefixes
     * (patterns: `*` any run of characters) matches at least one of the image's tags.
     */
    function selectingRule(tags: string[]): LifecycleRule | undefined {
      const pattern = (p: string) =>
        new RegExp(
          `^${p
            .split('*')
            .map((part) => part.replace(/[.+?^$()[\]{}|\\/]/g, '\\$&'))
            .join('.*')}$`,
        );
      return [...rules()]
        .sort((a, b) => a.rulePriority - b.rulePriority)
        .find(({ selection }) => {
          if (selection.tagStatus === 'any') return true;
          if (selection.tagStatus === 'untagged') return tags.length === 0;
          if (tags.length === 0) return false;
          const prefixes = selection.tagPrefixList ?? [];
          const patterns = selection.tagPatternList ?? [];
          return (
            prefixes.every((prefix) => tags.some((tag) => tag.startsWith(prefix))) &&
            patterns.every((p) => tags.some((tag) => pattern(p).test(tag)))
          );
        });
    }

    const workflow = (name: string) =>
      readFileSync(path.join(INFRA, '../.github/workflows', name), 'utf8');

    it("is the module's rules, encoded", () => {
      const policy = ecr.resource('aws_ecr_lifecycle_policy', 'app');
      expect(policy.repository).toBe('${aws_ecr_repository.app.name}');
      expect(policy.policy).toBe('${jsonencode({ rules = local.lifecycle_rules })}');
      expect(rules().every((rule) => rule.action.type === 'expire')).toBe(true);
      expect(new Set(rules().map((rule) => rule.rulePriority)).size).toBe(rules().length);
    });

    it('expires pull request images after pr_image_expiry_days (14 by default)', () => {
      // The tag pr-checks.yml pushes.
      expect(workflow('pr-checks.yml')).toMatch(/^\s+tag="pr-\$\{PR_NUMBER\}-/m);
      const rule = selectingRule(['pr-42-0a1b2c3']);
      expect(rule?.selection).toEqual({
        tagStatus: 'tagged',
        tagPrefixList: ['pr-'],
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: '${var.pr_image_expiry_days}',
      });
      expect(ecr.variable('pr_image_expiry_days').default).toBe(14);
    });

    it('expires untagged images after one day', () => {
      expect(selectingRule([])?.selection).toEqual({
        tagStatus: 'untagged',
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: '${var.untagged_image_expiry_days}',
      });
      expect(ecr.variable('untagged_image_expiry_days').default).toBe(1);
    });

    it("never selects a release image (main's commit sha) or any other tagged image", () => {
      // The tag deploy.yml pushes, and the stack's bootstrap tag.
      expect(workflow('deploy.yml')).toMatch(/^\s+TAG: \$\{\{ github\.sha \}\}$/m);
      // Expiring an image deletes every tag of its digest: both builds label the image with their
      // own commit, so a pull request image (merge-ref commit) never is a release image.
      for (const file of ['deploy.yml', 'pr-checks.yml']) {
        expect(workflow(file)).toContain(
          '--label "org.opencontainers.image.revision=${GITHUB_SHA}"',
        );
      }
      for (const tags of [
        ['3f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b'],
        ['0123456789abcdef0123456789abcdef01234567'],
        ['bootstrap'],
        ['prod-2026-03-02'],
        ['v1.2.3', 'latest'],
      ]) {
        expect({ tags, rule: selectingRule(tags)?.rulePriority }).toEqual({
          tags,
          rule: undefined,
        });
      }
    });
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
