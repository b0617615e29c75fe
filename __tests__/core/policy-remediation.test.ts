import { ConfigurationError } from '../../actions/src/core/errors';
import { parsePolicy } from '../../actions/src/core/policy';

/** Joins lines so each fixture shows its line numbers to the reader. */
function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

function parseError(text: string): string {
  try {
    parsePolicy(text, 'policy.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('parsePolicy accepted an invalid policy');
}

describe('policy remediation: section', () => {
  it('is absent unless the file has one', () => {
    expect(parsePolicy('version: 1\n', 'policy.yml')).not.toHaveProperty('remediation');
  });

  it('reads runbooks named for rules, with their parameters and traps', () => {
    const policy = parsePolicy(
      lines(
        'version: 1',
        'remediation:',
        '  documents:',
        '    - rule: EC2.19',
        '      document: AcmeOrg-RevokeCommonPorts',
        '      parameters:',
        "        GroupId: '{{resourceId}}'",
        '        Ports: 3389,5432',
        "        AutomationAssumeRole: '{{automationAssumeRole}}'",
        '      traps:',
        '        - Databases reached over 5432 from the office lose access.',
        '    - rule: arn-shared',
        '      document: arn:aws:ssm:eu-west-1:111122223333:document/Shared-Fix',
        '      parameters:',
        "        AutomationAssumeRole: '{{automationAssumeRole}}'",
      ),
      'policy.yml',
    );
    expect(policy.remediation).toEqual({
      documents: [
        {
          rule: 'EC2.19',
          document: 'AcmeOrg-RevokeCommonPorts',
          parameters: {
            GroupId: '{{resourceId}}',
            Ports: '3389,5432',
            AutomationAssumeRole: '{{automationAssumeRole}}',
          },
          traps: ['Databases reached over 5432 from the office lose access.'],
        },
        {
          rule: 'arn-shared',
          document: 'arn:aws:ssm:eu-west-1:111122223333:document/Shared-Fix',
          parameters: { AutomationAssumeRole: '{{automationAssumeRole}}' },
          traps: [],
        },
      ],
    });
  });

  it('names the file, line and key of every problem', () => {
    expect(
      parseError(
        lines(
          'version: 1',
          'remediation:',
          '  documents:',
          '    - rule: EC2.19',
          "      document: 'Acme Org Fix'",
          '      parameters:',
          "        GroupId: '{{resourceID}}'",
          '        bad-name: x',
          "        AutomationAssumeRole: 'arn:aws:iam::123456789012:role/fixed'",
          '    - rule: " "',
          '      document: AcmeOrg-Fix',
          '      parameters: {}',
          '      runbook: extra',
        ),
      ),
    ).toBe(
      [
        'invalid policy (7 problems):',
        '  policy.yml:5: remediation.documents.0.document: must be an SSM document name or ARN (3-128 letters, digits and _ . : / -)',
        '  policy.yml:7: remediation.documents.0.parameters.GroupId: may hold no placeholder but {{resourceId}} and {{automationAssumeRole}}',
        '  policy.yml:8: remediation.documents.0.parameters.bad-name: "bad-name" is not a runbook parameter name (a letter, then up to 49 letters and digits)',
        '  policy.yml:9: remediation.documents.0.parameters.AutomationAssumeRole: must be "{{automationAssumeRole}}"',
        '  policy.yml:10: remediation.documents.1.rule: must not be blank',
        '  policy.yml:12: remediation.documents.1.parameters: missing required key "AutomationAssumeRole"',
        '  policy.yml:13: remediation.documents.1.runbook: unknown key "runbook"',
      ].join('\n'),
    );
  });

  it('refuses a parameter value SSM Automation would refuse (over 512 characters)', () => {
    expect(
      parseError(
        lines(
          'version: 1',
          'remediation:',
          '  documents:',
          '    - rule: EC2.19',
          '      document: AcmeOrg-Fix',
          '      parameters:',
          `        Note: ${'x'.repeat(513)}`,
          "        AutomationAssumeRole: '{{automationAssumeRole}}'",
        ),
      ),
    ).toContain(
      'policy.yml:7: remediation.documents.0.parameters.Note: must NOT have more than 512 characters',
    );
  });
});
