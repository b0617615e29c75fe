import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { loadPolicy, type LoadedPolicy } from '../../actions/src/core/policy';
import { evaluateAudit, tagPolicyOf } from '../../actions/src/tag-policy/evaluate';
import { asRecord, single, TfDir, type Hcl } from '../support/hcl';

// What a user of infra/ relies on, read from the Terraform (no terraform binary here): the
// environments' tags pass the repository's own tag policy, the registry is the one the policy and
// the workflows name, only the ALB reaches the tasks, the database is private and encrypted with
// a managed password, port 80 only redirects, deploys are not undone by the next apply, and the
// collector sidecar really exports to AMP and X-Ray.

const REPO_ROOT = path.resolve(__dirname, '../..');
const INFRA = path.join(REPO_ROOT, 'infra');
const ENVS = ['dev', 'prod'] as const;

let stack: TfDir;
let ecs: TfDir;
let rds: TfDir;
let network: TfDir;
let bucket: TfDir;
const envs = {} as Record<(typeof ENVS)[number], TfDir>;
let policy: LoadedPolicy;

beforeAll(async () => {
  const load = (name: string): Promise<TfDir> => TfDir.load(path.join(INFRA, 'modules', name));
  [stack, ecs, rds, network, bucket] = await Promise.all([
    load('stack'),
    load('ecs-service'),
    load('rds-postgres'),
    load('network'),
    load('s3-bucket'),
  ]);
  for (const env of ENVS) envs[env] = await TfDir.load(path.join(INFRA, 'envs', env));
  policy = await loadPolicy(path.join(REPO_ROOT, '.github/assetguard.yml'));
});

/**
 * The value of a literal or of a plain `${local.x}` / `${var.x}` reference (the variable's
 * default), objects resolved member by member. Anything else cannot be decided statically and
 * throws, naming the expression.
 */
function resolve(dir: TfDir, value: unknown, what: string): unknown {
  if (typeof value === 'string') {
    const ref = /^\$\{(local|var)\.(\w+)\}$/.exec(value);
    if (ref === null) {
      if (value.includes('${')) throw new Error(`${what}: cannot resolve ${value} statically`);
      return value;
    }
    const [, kind, name] = ref as unknown as [string, string, string];
    if (kind === 'local') {
      const locals = dir.locals();
      if (!(name in locals)) throw new Error(`${what}: no local ${name} in ${dir.dir}`);
      return resolve(dir, locals[name], `${what} -> local.${name}`);
    }
    const variable = dir.variable(name);
    if (!('default' in variable)) throw new Error(`${what}: var.${name} has no default`);
    return resolve(dir, variable.default, `${what} -> var.${name}`);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, member]) => [key, resolve(dir, member, `${what}.${key}`)]),
    );
  }
  return value;
}

function defaultTags(env: (typeof ENVS)[number]): Record<string, string> {
  const dir = envs[env];
  const aws = single(
    dir.files.flatMap((f) => asRecord(f.json.provider ?? {}, f.name).aws ?? []),
    `${env} provider aws`,
  );
  const tags = single(aws.default_tags, `${env} default_tags`).tags;
  return asRecord(resolve(dir, tags, `${env} default_tags`), `${env} default_tags`) as Record<
    string,
    string
  >;
}

/** The audit of one resource per type the policy inventories, each carrying only `tags`. */
function auditTagSet(tags: Record<string, string>, env: string) {
  const types = tagPolicyOf(policy).resourceTypes;
  return evaluateAudit({
    inventory: {
      resources: types.map((type, i) => ({
        arn: `arn:aws:test:eu-west-1:123456789012:resource/${env}-portal-${i}`,
        type,
        tags,
        name: `${env}-portal-${i}`,
      })),
      complete: true,
      warnings: [],
    },
    policy,
    subject: { command: 'audit', execute: false, region: 'eu-west-1' },
    now: new Date('2026-01-01T00:00:00Z'),
  });
}

describe('the environments tag every resource as the tag policy requires', () => {
  it.each(ENVS)('%s: default_tags pass .github/assetguard.yml', (env) => {
    const tags = defaultTags(env);
    const required = tagPolicyOf(policy).required.map((rule) => rule.key);
    expect(Object.keys(tags)).toEqual(expect.arrayContaining(required));
    const { verdict, checks } = auditTagSet(tags, env);
    expect(
      checks.flatMap((c) => [...c.missing, ...c.invalid.map((i) => `${i.key}: ${i.why}`)]),
    ).toEqual([]);
    expect(verdict.verdict).toBe('pass');
    expect(verdict.counts.coverage).toBe(100);
  });

  it.each(ENVS)('%s: Environment names the directory and Service the stack', (env) => {
    const tags = defaultTags(env);
    expect(tags.Environment).toBe(env);
    expect(tags.Service).toBe('portal');
    const call = envs[env].module('stack');
    expect(resolve(envs[env], call.environment, `${env} module.stack.environment`)).toBe(env);
    expect(resolve(envs[env], call.service, `${env} module.stack.service`)).toBe(tags.Service);
  });

  // The same evaluation must be able to fail: a tag set the policy refuses is caught.
  it.each([
    ['an Owner outside example.com', { Owner: 'someone@elsewhere.org' }, 'Owner'],
    ['an Environment the policy does not allow', { Environment: 'qa' }, 'Environment'],
    ['an unknown DataClassification', { DataClassification: 'secret' }, 'DataClassification'],
  ])('rejects %s', (_case, change, key) => {
    const { verdict, checks } = auditTagSet({ ...defaultTags('prod'), ...change }, 'prod');
    expect(verdict.verdict).toBe('block');
    expect(checks[0]?.invalid.map((i) => i.key)).toEqual([key]);
  });

  it.each(ENVS)('%s: only prod owns the account singletons, and prod keeps its database', (env) => {
    const call = envs[env].module('stack');
    expect(call.account_baseline).toBe(env === 'prod');
    expect(call.db_deletion_protection).toBe(env === 'prod');
    expect(call.source).toBe('../../modules/stack');
  });

  it.each(ENVS)('%s: keeps its state in S3 with S3-native locking', (env) => {
    const terraform = single(
      envs[env].files.flatMap((f) => (f.json.terraform as Hcl[] | undefined) ?? []),
      `${env} terraform`,
    );
    const backend = single(asRecord(terraform.backend, 'backend').s3, `${env} backend s3`);
    expect(backend).toMatchObject({ use_lockfile: true, encrypt: true });
    const example = readFileSync(path.join(INFRA, 'envs', env, 'backend.hcl.example'), 'utf8');
    for (const key of ['bucket', 'key', 'region'])
      expect(example).toMatch(new RegExp(`^${key}\\s*=`, 'm'));
    expect(example).toContain(`assetguard/${env}/terraform.tfstate`);
  });
});

describe('the registry is the one the policy and the workflows name', () => {
  it('names the repository of the policy exception scope', () => {
    const scoped = policy.policy.exceptions.flatMap((e) =>
      e.scope?.repository === undefined ? [] : [e.scope.repository],
    );
    expect(scoped.length).toBeGreaterThan(0);
    for (const repository of scoped) expect(stack.locals().ecr_repository_name).toBe(repository);
  });

  it('outputs the repository name the workflows read as vars.ECR_REPOSITORY', () => {
    const workflows = readdirSync(path.join(REPO_ROOT, '.github/workflows')).filter((name) =>
      readFileSync(path.join(REPO_ROOT, '.github/workflows', name), 'utf8').includes(
        'vars.ECR_REPOSITORY',
      ),
    );
    expect(workflows.length).toBeGreaterThan(0);
    expect(stack.output('ecr_repository_name').value).toBe('${local.ecr_repository_name}');
    for (const env of ENVS) {
      expect(envs[env].output('ecr_repository_name').value).toBe(
        '${module.stack.ecr_repository_name}',
      );
    }
  });
});

describe('network exposure', () => {
  const ingressRulesOf = (dir: TfDir, group: string): Hcl[] =>
    Object.entries(
      asRecord(dir.blocks('resource').aws_vpc_security_group_ingress_rule ?? {}, 'ingress rules'),
    )
      .map(([name, body]) => single(body, name))
      .filter((rule) => rule.security_group_id === `\${aws_security_group.${group}.id}`);

  it('admits to the tasks only the ALB, on the container port', () => {
    const rules = ingressRulesOf(ecs, 'tasks');
    expect(rules).toHaveLength(1);
    for (const rule of rules) {
      expect(rule.referenced_security_group_id).toBe('${aws_security_group.alb.id}');
      expect(rule.from_port).toBe('${var.container_port}');
      for (const source of ['cidr_ipv4', 'cidr_ipv6', 'prefix_list_id'])
        expect(rule[source]).toBeUndefined();
    }
    expect(ecs.resource('aws_security_group', 'tasks').ingress).toBeUndefined();
    expect(
      single(ecs.resource('aws_ecs_service', 'this').network_configuration, 'network')
        .assign_public_ip,
    ).toBe(false);
  });

  it('admits to the database only its client groups, which the stack sets to the tasks', () => {
    const rules = ingressRulesOf(rds, 'this');
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      from_port: 5432,
      to_port: 5432,
      referenced_security_group_id: '${var.client_security_group_ids[count.index]}',
    });
    expect(stack.module('rds').client_security_group_ids).toEqual([
      '${module.ecs.tasks_security_group_id}',
    ]);
  });

  it('opens the ALB to the world on 443 and 80 only, and its egress only to the tasks', () => {
    expect(
      ingressRulesOf(ecs, 'alb').map((rule) => [rule.from_port, rule.to_port, rule.cidr_ipv4]),
    ).toEqual([
      [80, 80, '${each.value}'],
      [443, 443, '${each.value}'],
    ]);
    const egress = asRecord(ecs.blocks('resource').aws_vpc_security_group_egress_rule, 'egress');
    const albEgress = Object.entries(egress)
      .map(([name, body]) => single(body, name))
      .filter((r) => r.security_group_id === '${aws_security_group.alb.id}');
    expect(albEgress.map((r) => r.referenced_security_group_id)).toEqual([
      '${aws_security_group.tasks.id}',
    ]);
  });

  it('answers the interface endpoints on 443 from the VPC only, for every service the tasks call', () => {
    const rules = ingressRulesOf(network, 'endpoints');
    expect(rules).toEqual([
      expect.objectContaining({
        from_port: 443,
        to_port: 443,
        cidr_ipv4: '${aws_vpc.this.cidr_block}',
      }),
    ]);
    expect(network.variable('interface_endpoints').default).toEqual(
      expect.arrayContaining([
        'ecr.api',
        'ecr.dkr',
        'logs',
        'secretsmanager',
        'aps-workspaces',
        'xray',
        'sts',
      ]),
    );
    expect(network.resource('aws_vpc_endpoint', 's3').vpc_endpoint_type).toBe('Gateway');
    expect(network.variable('nat_gateway').default).toBe(false);
  });

  it('places the tasks and the database in the private subnets and the ALB in the public ones', () => {
    expect(stack.module('rds').subnet_ids).toBe('${module.network.private_subnet_ids}');
    expect(stack.module('ecs')).toMatchObject({
      private_subnet_ids: '${module.network.private_subnet_ids}',
      public_subnet_ids: '${module.network.public_subnet_ids}',
    });
    expect(
      single(ecs.resource('aws_ecs_service', 'this').network_configuration, 'network').subnets,
    ).toBe('${var.private_subnet_ids}');
    expect(ecs.resource('aws_lb', 'this').subnets).toBe('${var.public_subnet_ids}');
  });
});

describe('the database', () => {
  it('is private, encrypted with a KMS key, and its password is generated and kept by RDS', () => {
    const db = rds.resource('aws_db_instance', 'this');
    expect(db).toMatchObject({
      engine: 'postgres',
      publicly_accessible: false,
      storage_encrypted: true,
      kms_key_id: '${local.kms_key_arn}',
      manage_master_user_password: true,
      master_user_secret_kms_key_id: '${local.kms_key_arn}',
      deletion_protection: '${var.deletion_protection}',
      performance_insights_enabled: '${var.performance_insights}',
    });
    expect(db.password).toBeUndefined();
    expect(db.password_wo).toBeUndefined();
    expect(rds.variable('backup_retention_days').default).toBeGreaterThanOrEqual(1);
  });

  it('gives the app a URL without a password, and the password from the RDS secret', () => {
    const database = asRecord(stack.module('ecs').database, 'database');
    expect(database.url).toMatch(
      /^postgres:\/\/\$\{module\.rds\.username\}@\$\{module\.rds\.address\}:/,
    );
    expect(database.url).not.toMatch(/password|sslmode/i);
    expect(database.password_secret_arn).toBe('${module.rds.master_user_secret_arn}');
    const app = containers()[0]!;
    expect(app.secrets).toEqual([
      { name: 'DATABASE_PASSWORD', valueFrom: '${var.database.password_secret_arn}:password::' },
    ]);
    expect(ecs.locals().app_environment_fixed).toMatchObject({
      DATABASE_URL: '${var.database.url}',
    });
  });
});

describe('the load balancer', () => {
  const listeners = (): Hcl[] =>
    Object.entries(asRecord(ecs.blocks('resource').aws_lb_listener, 'listeners')).map(
      ([name, body]) => single(body, name),
    );

  it.each([
    [80, 'HTTP'],
    [443, 'HTTPS'],
  ])('listens on %d with %s', (port, protocol) => {
    expect(
      listeners()
        .filter((l) => l.port === port)
        .map((l) => l.protocol),
    ).toEqual([protocol]);
  });

  it('only redirects on port 80, to HTTPS', () => {
    const http = listeners().filter((l) => l.protocol === 'HTTP');
    expect(http).toHaveLength(1);
    const action = single(http[0]!.default_action, 'default_action');
    expect(action.type).toBe('redirect');
    expect(single(action.redirect, 'redirect')).toMatchObject({ protocol: 'HTTPS', port: '443' });
    // No rule on the HTTP listener may forward anything.
    expect(ecs.blocks('resource').aws_lb_listener_rule).toBeUndefined();
  });

  it('serves HTTPS with the given certificate and a TLS 1.2+ policy, checking /healthz', () => {
    const https = single(
      listeners().filter((l) => l.protocol === 'HTTPS'),
      'https listener',
    );
    expect(https.certificate_arn).toBe('${var.certificate_arn}');
    expect(ecs.variable('ssl_policy').default).toMatch(/^ELBSecurityPolicy-TLS13-1-2-/);
    const health = single(ecs.resource('aws_lb_target_group', 'this').health_check, 'health_check');
    expect(health.path).toBe('${var.health_check_path}');
    expect(ecs.variable('health_check_path').default).toBe('/healthz');
    expect(ecs.variable('readiness_path').default).toBe('/readyz');
  });
});

describe('the service', () => {
  it('leaves the task definition to the deploy workflow', () => {
    const service = ecs.resource('aws_ecs_service', 'this');
    const lifecycle = single(service.lifecycle, 'lifecycle');
    expect(lifecycle.ignore_changes).toContain('${task_definition}');
  });

  it('rolls back a deploy whose tasks never get healthy', () => {
    const breaker = single(
      ecs.resource('aws_ecs_service', 'this').deployment_circuit_breaker,
      'deployment_circuit_breaker',
    );
    expect(breaker).toEqual({ enable: true, rollback: true });
  });

  it('runs the app non-root on a read-only root filesystem, logging to CloudWatch', () => {
    const app = containers()[0]!;
    expect(app.name).toBe('${var.container_name}');
    expect(app.readonlyRootFilesystem).toBe(true);
    expect(app.user).toBe('${var.container_user}');
    expect(ecs.variable('container_user').default).not.toMatch(/^(0|root)(:|$)/);
    expect(asRecord(app.logConfiguration, 'logConfiguration').logDriver).toBe('awslogs');
  });
});

/** The task's container definitions, as the ecs-service module writes them. */
function containers(): Hcl[] {
  expect(ecs.resource('aws_ecs_task_definition', 'this').container_definitions).toBe(
    '${jsonencode(local.container_definitions)}',
  );
  return (ecs.locals().container_definitions as unknown[]).map((c) => asRecord(c, 'container'));
}

describe('the ADOT collector sidecar', () => {
  const collector = (): Hcl =>
    single(
      containers().filter((c) => c.image === '${var.collector_image}'),
      'collector container',
    );
  const config = (): Hcl => asRecord(ecs.locals().collector_config, 'collector_config');
  const pipeline = (name: string): Hcl =>
    asRecord(asRecord(asRecord(config().service, 'service').pipelines, 'pipelines')[name], name);

  it('gets its configuration from AOT_CONFIG_CONTENT, pinned to a version', () => {
    expect(collector().environment).toEqual([
      { name: 'AOT_CONFIG_CONTENT', value: '${yamlencode(local.collector_config)}' },
    ]);
    expect(ecs.variable('collector_image').default).toMatch(
      /^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+$/,
    );
  });

  it.each([
    ['metrics', 'prometheusremotewrite'],
    ['traces', 'awsxray'],
  ])('exports OTLP %s to %s', (name, exporter) => {
    expect(pipeline(name)).toMatchObject({ receivers: ['otlp'], exporters: [exporter] });
  });

  it('writes metrics to the stack AMP workspace, signed with SigV4 for aps', () => {
    const exporters = asRecord(config().exporters, 'exporters');
    expect(asRecord(exporters.prometheusremotewrite, 'prw')).toMatchObject({
      endpoint: '${var.amp_remote_write_url}',
      auth: { authenticator: 'sigv4auth' },
    });
    expect(asRecord(config().extensions, 'extensions').sigv4auth).toMatchObject({ service: 'aps' });
    expect(asRecord(config().service, 'service').extensions).toContain('sigv4auth');
    expect(stack.module('ecs')).toMatchObject({
      amp_remote_write_url: '${local.amp_remote_write_url}',
      amp_workspace_arn: '${local.amp_workspace_arn}',
    });
  });

  it('receives what the app sends to OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    const endpoint = String(
      asRecord(ecs.locals().app_environment_fixed, 'env').OTEL_EXPORTER_OTLP_ENDPOINT,
    );
    expect(endpoint).toBe('http://localhost:4318');
    const http = asRecord(
      asRecord(
        asRecord(asRecord(config().receivers, 'receivers').otlp, 'otlp').protocols,
        'protocols',
      ).http,
      'http',
    );
    expect(String(http.endpoint).split(':').pop()).toBe(new URL(endpoint).port);
  });

  it('may do no more than write to AMP and put X-Ray traces (task role)', () => {
    const statements = (ecs.data('aws_iam_policy_document', 'task').statement as Hcl[]).map(
      (s) => ({ actions: s.actions, resources: s.resources, effect: s.effect ?? 'Allow' }),
    );
    expect(statements).toEqual([
      { actions: ['aps:RemoteWrite'], resources: ['${var.amp_workspace_arn}'], effect: 'Allow' },
      {
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
        effect: 'Allow',
      },
    ]);
  });

  it('may read the one report object the app polls, and list only that key (task role)', () => {
    expect(stack.module('ecs').report_s3_uri).toBe(
      's3://${module.report_bucket.bucket}/portal/report.json',
    );
    expect(ecs.variable('report_s3_uri').default).toBeNull();
    expect(asRecord(ecs.locals(), 'locals').app_environment_report).toBe(
      '${var.report_s3_uri == null ? {} : { REPORT_S3_URI = var.report_s3_uri, AWS_REGION = local.region }}',
    );
    const document = ecs.data('aws_iam_policy_document', 'report_read');
    expect(document.count).toBe('${local.report_object == null ? 0 : 1}');
    const partition = '${data.aws_partition.current.partition}';
    expect(
      (document.statement as Hcl[]).map((s) => ({
        actions: s.actions,
        resources: s.resources,
        condition: s.condition,
      })),
    ).toEqual([
      {
        actions: ['s3:GetObject'],
        resources: [
          `arn:${partition}:s3:::\${local.report_object.bucket}/\${local.report_object.key}`,
        ],
        condition: undefined,
      },
      {
        actions: ['s3:ListBucket'],
        resources: [`arn:${partition}:s3:::\${local.report_object.bucket}`],
        condition: [
          { test: 'StringEquals', variable: 's3:prefix', values: ['${local.report_object.key}'] },
        ],
      },
    ]);
    expect(ecs.resource('aws_iam_role_policy', 'report_read')).toMatchObject({
      count: '${local.report_object == null ? 0 : 1}',
      role: '${aws_iam_role.task.id}',
      policy: '${data.aws_iam_policy_document.report_read[0].json}',
    });
  });

  it('starts tasks with no secret but the database password (execution role)', () => {
    const statements = ecs.data('aws_iam_policy_document', 'execution').statement as Hcl[];
    const secretReads = statements.filter((s) =>
      (s.actions as string[]).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secretReads).toEqual([
      expect.objectContaining({
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['${var.database.password_secret_arn}'],
      }),
    ]);
  });
});

describe('the buckets', () => {
  it.each(['report_bucket', 'state_bucket'])('%s uses the secure bucket module', (name) => {
    expect(stack.module(name).source).toBe('../s3-bucket');
  });

  it('blocks public access, enforces bucket ownership, encrypts, expires and denies plain HTTP', () => {
    expect(bucket.resource('aws_s3_bucket_public_access_block', 'this')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(
      single(bucket.resource('aws_s3_bucket_ownership_controls', 'this').rule, 'rule')
        .object_ownership,
    ).toBe('BucketOwnerEnforced');
    bucket.resource('aws_s3_bucket_server_side_encryption_configuration', 'this');
    const rule = single(
      bucket.resource('aws_s3_bucket_lifecycle_configuration', 'this').rule,
      'rule',
    );
    expect(single(rule.noncurrent_version_expiration, 'noncurrent').noncurrent_days).toBe(
      '${var.noncurrent_expiration_days}',
    );
    const deny = single(bucket.data('aws_iam_policy_document', 'this').statement, 'statement');
    expect(deny).toMatchObject({ effect: 'Deny', actions: ['s3:*'] });
    expect(single(deny.condition, 'condition')).toEqual({
      test: 'Bool',
      variable: 'aws:SecureTransport',
      values: ['false'],
    });
  });
});
