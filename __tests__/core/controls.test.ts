import Ajv from 'ajv';
import data from '../../actions/src/core/controls.json';
import schema from '../../actions/src/core/controls.schema.json';
import {
  allControls,
  allOtherRules,
  AUTOMATION_ASSUME_ROLE_PLACEHOLDER,
  controlByConfigIdentifier,
  controlBySecurityHubId,
  controlForConfigRuleName,
  controlNamed,
  hasDocument,
  otherRuleForConfigRuleName,
  RESOURCE_ID_PLACEHOLDER,
  SECURITY_CONTROL_ID,
  type Control,
  type DocumentRemediation,
} from '../../actions/src/core/controls';
import { validateControlsData } from '../../actions/src/core/controls-check';

/** A deliberately loose view of a copy of the data, so tests can break it in any way. */
interface LooseEntry {
  securityHubControl: string;
  severity?: string;
  surprise?: boolean;
  remediation: { parameters?: Record<string, string>; why?: string };
}

interface LooseData {
  controls: LooseEntry[];
}

function copyOfData(): LooseData {
  return JSON.parse(JSON.stringify(data)) as LooseData;
}

function entryOf(copy: LooseData, id: string): LooseEntry {
  const found = copy.controls.find((entry) => entry.securityHubControl === id);
  if (!found) throw new Error(`control ${id} is missing from the copy`);
  return found;
}

function control(id: string): Control {
  const found = controlBySecurityHubId(id);
  if (!found) throw new Error(`control ${id} is missing from controls.json`);
  return found;
}

function documentOf(id: string): DocumentRemediation {
  const { remediation } = control(id);
  if (!hasDocument(remediation)) throw new Error(`control ${id} has no runbook`);
  return remediation;
}

function mentions(texts: string[] | undefined, pattern: RegExp): boolean {
  return (texts ?? []).some((text) => pattern.test(text));
}

describe('controls.json against controls.schema.json', () => {
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

  it('validates', () => {
    expect(validate(data)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('rejects a broken copy, so the schema test can fail', () => {
    const broken = copyOfData();
    broken.controls[0]!.severity = 'SEVERE';
    delete entryOf(broken, 'S3.2').remediation.parameters?.AutomationAssumeRole;
    broken.controls[2]!.securityHubControl = 'S3-1';
    broken.controls[3]!.surprise = true;
    expect(validate(broken)).toBe(false);
    const paths = (validate.errors ?? []).map((error) => error.instancePath);
    expect(paths).toEqual(
      expect.arrayContaining(['/controls/0/severity', '/controls/2/securityHubControl']),
    );
    expect(() => validateControlsData(broken, 'broken.json')).toThrow(
      /broken\.json does not match/,
    );
  });

  it('rejects a runbook entry without AutomationAssumeRole', () => {
    const broken = copyOfData();
    delete entryOf(broken, 'EC2.13').remediation.parameters?.AutomationAssumeRole;
    expect(validate(broken)).toBe(false);
  });

  it('rejects placeholders other than resourceId and automationAssumeRole', () => {
    const broken = copyOfData();
    const parameters = entryOf(broken, 'S3.8').remediation.parameters ?? {};
    parameters.S3BucketName = '{{bucket}}';
    expect(validate(broken)).toBe(false);
  });

  it('rejects a remediation that has neither a document nor a reason', () => {
    const broken = copyOfData();
    delete entryOf(broken, 'IAM.4').remediation.why;
    expect(validate(broken)).toBe(false);
  });

  it('rejects duplicate control ids, which only the loader can see', () => {
    const broken = copyOfData();
    broken.controls[1]!.securityHubControl = broken.controls[0]!.securityHubControl;
    expect(validate(broken)).toBe(true);
    expect(() => validateControlsData(broken)).toThrow(/appears more than once/);
  });
});

describe('the table', () => {
  const controls = allControls();

  it('has at least 25 controls', () => {
    expect(controls.length).toBeGreaterThanOrEqual(25);
  });

  it('has unique control ids, identifiers and rule names', () => {
    const ids = controls.map((c) => c.securityHubControl);
    const identifiers = [
      ...controls.map((c) => c.configRuleIdentifier),
      ...allOtherRules().map((r) => r.configRuleIdentifier),
    ].filter((i): i is string => i !== null);
    const names = [
      ...controls.map((c) => c.configRuleName),
      ...allOtherRules().map((r) => r.configRuleName),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(identifiers).size).toBe(identifiers.length);
    expect(new Set(names).size).toBe(names.length);
  });

  it('passes AutomationAssumeRole to every runbook and uses only the two placeholders', () => {
    const remediations = [...controls, ...allOtherRules()].map((entry) => entry.remediation);
    const withDocument = remediations.filter(hasDocument);
    expect(withDocument.length).toBeGreaterThan(10);
    for (const remediation of withDocument) {
      expect(remediation.parameters.AutomationAssumeRole).toBe(AUTOMATION_ASSUME_ROLE_PLACEHOLDER);
      for (const value of Object.values(remediation.parameters)) {
        const placeholders = value.match(/\{\{[^}]*\}\}/g) ?? [];
        for (const placeholder of placeholders) {
          expect([RESOURCE_ID_PLACEHOLDER, AUTOMATION_ASSUME_ROLE_PLACEHOLDER]).toContain(
            placeholder,
          );
        }
      }
    }
  });

  it('explains every control that has no runbook', () => {
    for (const entry of [...controls, ...allOtherRules()]) {
      if (!hasDocument(entry.remediation)) expect(entry.remediation.why.length).toBeGreaterThan(20);
    }
  });

  it.each([
    'SSM.1',
    'S3.8',
    'EC2.13',
    'EC2.19',
    'IAM.7',
    'RDS.2',
    'CloudTrail.1',
    'EC2.6',
    'EC2.7',
  ])('includes %s, which the issue names', (id) => {
    expect(controlBySecurityHubId(id)?.securityHubControl).toBe(id);
  });

  it('uses the Security Hub severities of the issue-named controls', () => {
    const severities = Object.fromEntries(
      ['SSM.1', 'S3.8', 'EC2.13', 'EC2.19', 'IAM.7', 'RDS.2', 'CloudTrail.1', 'EC2.6', 'EC2.7'].map(
        (id) => [id, control(id).severity],
      ),
    );
    expect(severities).toEqual({
      'SSM.1': 'MEDIUM',
      'S3.8': 'HIGH',
      'EC2.13': 'HIGH',
      'EC2.19': 'CRITICAL',
      'IAM.7': 'MEDIUM',
      'RDS.2': 'CRITICAL',
      'CloudTrail.1': 'HIGH',
      'EC2.6': 'MEDIUM',
      'EC2.7': 'MEDIUM',
    });
  });
});

describe('the remediation traps', () => {
  it('sets ForceReplace=false for AWS-AttachIAMToInstance and says why', () => {
    const remediation = documentOf('SSM.1');
    expect(remediation.document).toBe('AWS-AttachIAMToInstance');
    expect(remediation.parameters).toMatchObject({
      InstanceId: RESOURCE_ID_PLACEHOLDER,
      ForceReplace: 'false',
    });
    expect(mentions(remediation.traps, /ForceReplace defaults to true/)).toBe(true);
  });

  it('keeps AWS-DisablePublicAccessForSecurityGroup off restricted-ssh and records why', () => {
    const remediation = documentOf('EC2.13');
    expect(remediation.document).toBe('AWS-DisableIncomingSSHOnPort22');
    expect(remediation.parameters.SecurityGroupIds).toBe(RESOURCE_ID_PLACEHOLDER);
    const everyDocument = allControls()
      .map((c) => c.remediation)
      .filter(hasDocument)
      .map((r) => r.document);
    expect(everyDocument).not.toContain('AWS-DisablePublicAccessForSecurityGroup');
    expect(
      mentions(
        remediation.traps,
        /AWS-DisablePublicAccessForSecurityGroup.*outside the default VPC/,
      ),
    ).toBe(true);
  });

  it('has no AWS-owned runbook for restricted-common-ports (EC2.19 and the managed rule)', () => {
    const ec219 = control('EC2.19');
    expect(ec219.remediation.document).toBeNull();
    expect(ec219.configRuleIdentifier).toBeNull();
    const managed = otherRuleForConfigRuleName('restricted-common-ports');
    expect(managed?.configRuleIdentifier).toBe('RESTRICTED_INCOMING_TRAFFIC');
    expect(managed?.remediation.document).toBeNull();
    for (const remediation of [ec219.remediation, managed?.remediation]) {
      expect(remediation && !hasDocument(remediation) ? remediation.why : '').toMatch(
        /no AWS-owned Automation runbook for restricted-common-ports/,
      );
    }
  });

  it('maps KMS key rotation to the AWS runbook that does exist, correcting the design note', () => {
    const remediation = documentOf('KMS.4');
    expect(control('KMS.4').configRuleName).toBe('cmk-backing-key-rotation-enabled');
    expect(remediation.document).toBe('AWSConfigRemediation-EnableKeyRotation');
    expect(remediation.parameters.KeyId).toBe(RESOURCE_ID_PLACEHOLDER);
    expect(mentions(remediation.traps, /does exist/)).toBe(true);
  });

  it('records that AWS-SetRequiredTags does not fit required-tags', () => {
    const rule = otherRuleForConfigRuleName('required-tags');
    expect(rule?.configRuleIdentifier).toBe('REQUIRED_TAGS');
    expect(rule?.remediation.document).toBeNull();
    expect(mentions(rule?.remediation.traps, /AWS-SetRequiredTags does not work/)).toBe(true);
  });

  it('passes explicit password-policy values rather than the weak runbook defaults', () => {
    const remediation = documentOf('IAM.7');
    expect(remediation.document).toBe('AWSConfigRemediation-SetIAMPasswordPolicy');
    expect(Number(remediation.parameters.MinimumPasswordLength)).toBeGreaterThanOrEqual(14);
  });

  it('names the RDS runbook parameter DbInstanceResourceId', () => {
    expect(documentOf('RDS.2').parameters).toMatchObject({
      DbInstanceResourceId: RESOURCE_ID_PLACEHOLDER,
    });
  });
});

describe('lookups', () => {
  it('finds a control by Security Hub id and by Config identifier', () => {
    expect(controlBySecurityHubId('EC2.13')?.configRuleName).toBe('restricted-ssh');
    expect(controlByConfigIdentifier('INCOMING_SSH_DISABLED')?.securityHubControl).toBe('EC2.13');
    expect(
      controlByConfigIdentifier('S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED')?.securityHubControl,
    ).toBe('S3.8');
    expect(controlBySecurityHubId('EC2.999')).toBeUndefined();
    expect(controlByConfigIdentifier('REQUIRED_TAGS')).toBeUndefined();
  });

  it('finds a control by its plain rule name', () => {
    expect(controlForConfigRuleName('restricted-ssh')?.securityHubControl).toBe('EC2.13');
    expect(controlForConfigRuleName('iam-password-policy')?.securityHubControl).toBe('IAM.7');
  });

  it("recognises Security Hub's service-linked rule names", () => {
    expect(controlForConfigRuleName('securityhub-restricted-ssh-a1b2c3')?.securityHubControl).toBe(
      'EC2.13',
    );
    expect(
      controlForConfigRuleName('securityhub-vpc-sg-restricted-common-ports-8f2e1d')
        ?.securityHubControl,
    ).toBe('EC2.19');
    expect(
      controlForConfigRuleName('securityhub-s3-bucket-level-public-access-prohibited-0c9d8e')
        ?.securityHubControl,
    ).toBe('S3.8');
  });

  it('recognises conformance-pack rule names', () => {
    expect(
      controlForConfigRuleName('rds-instance-public-access-check-conformance-pack-xyz123')
        ?.securityHubControl,
    ).toBe('RDS.2');
    expect(
      controlForConfigRuleName('ec2-instance-managed-by-systems-manager-conformance-pack-q1w2e3')
        ?.securityHubControl,
    ).toBe('SSM.1');
  });

  it('prefers the longest base name when one name is a prefix of another', () => {
    // s3-account-level-public-access-blocks-periodic must not resolve to a shorter base.
    expect(
      controlForConfigRuleName('securityhub-s3-account-level-public-access-blocks-periodic-aa11bb')
        ?.securityHubControl,
    ).toBe('S3.1');
  });

  it('does not match unrelated or malformed names', () => {
    expect(controlForConfigRuleName('restricted-ssh-extra')).toBeUndefined();
    expect(controlForConfigRuleName('securityhub-unknown-rule-abc')).toBeUndefined();
    expect(controlForConfigRuleName('restricted-ssh-conformance-pack-')).toBeUndefined();
    expect(controlForConfigRuleName('')).toBeUndefined();
  });

  it('finds the unjoined rules in their deployed forms too', () => {
    expect(otherRuleForConfigRuleName('required-tags-conformance-pack-abc')?.configRuleName).toBe(
      'required-tags',
    );
    expect(controlForConfigRuleName('required-tags')).toBeUndefined();
  });

  it('lists every control and rule', () => {
    expect(allControls().map((c) => c.securityHubControl)).toContain('GuardDuty.1');
    expect(allOtherRules().map((r) => r.configRuleName)).toEqual(
      expect.arrayContaining(['required-tags', 'restricted-common-ports']),
    );
  });
});

describe('controlNamed: what a --rules entry names, in any case', () => {
  it.each<[string, string]>([
    ['S3.8', 'S3.8'],
    ['s3.8', 'S3.8'],
    ['ec2.13', 'EC2.13'],
    ['INCOMING_SSH_DISABLED', 'EC2.13'],
    ['incoming_ssh_disabled', 'EC2.13'],
    ['restricted-ssh', 'EC2.13'],
    ['Restricted-SSH', 'EC2.13'],
    ['securityhub-restricted-ssh-a1b2c3', 'EC2.13'],
    ['rds-instance-public-access-check-conformance-pack-xyz', 'RDS.2'],
    [' IAM.7 ', 'IAM.7'],
  ])('%s is %s', (name, id) => {
    expect(controlNamed(name)?.securityHubControl).toBe(id);
  });

  it.each(['S3.99', 'required-tags', 'no-such-rule', '', '  '])('%j names no control', (name) => {
    expect(controlNamed(name)).toBeUndefined();
  });
});

describe('SECURITY_CONTROL_ID', () => {
  it.each(['S3.8', 'EC2.13', 'APIGateway.1', 'CloudTrail.2', 'lambda.1'])(
    '%s has the shape',
    (id) => {
      expect(SECURITY_CONTROL_ID.test(id)).toBe(true);
    },
  );

  it.each(['restricted-ssh', 'S3.', '.8', 'S3.8a', 'S3 .8', 'INCOMING_SSH_DISABLED'])(
    '%s does not',
    (id) => {
      expect(SECURITY_CONTROL_ID.test(id)).toBe(false);
    },
  );
});
