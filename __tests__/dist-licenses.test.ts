/**
 * Every committed bundle ships the licences of the packages it carries (scripts/build.mjs writes
 * licenses.txt from esbuild's metafile, index.js and every chunk it loads). A bundler's own
 * licence list can miss chunks (ncc's --license once named only scan-gate's last chunk: octokit's
 * 14 packages, none of the AWS SDK or yaml in its index.js). Each bundle must name what it is
 * known to carry, each with a licence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(__dirname, '../actions/dist');

/** Per bundle: packages whose code it certainly holds (imported by its entry's path). */
const CARRIED: Record<string, string[]> = {
  'scan-gate': [
    '@actions/core',
    '@aws-sdk/client-ecr',
    '@aws-sdk/client-inspector2',
    '@octokit/core',
    '@octokit/plugin-paginate-rest',
    '@smithy/core',
    'yaml',
  ],
  'compliance-gate': [
    '@actions/core',
    '@aws-sdk/client-config-service',
    '@aws-sdk/client-securityhub',
    '@smithy/core',
    'yaml',
  ],
  'tag-policy': [
    '@actions/core',
    '@aws-sdk/client-ec2',
    '@aws-sdk/client-resource-groups-tagging-api',
    'yaml',
  ],
  'daily-report': [
    '@actions/core',
    '@aws-sdk/client-inspector2',
    '@slack/webhook',
    'd3-scale',
    'nodemailer',
    'yaml',
  ],
  'fleet-check': ['@actions/core', '@aws-sdk/client-ec2', '@aws-sdk/client-ssm'],
  remediate: ['@actions/core', '@aws-sdk/client-ssm'],
  'pr-summary': ['@actions/core', '@octokit/core', '@octokit/plugin-paginate-rest'],
  cli: ['commander', '@aws-sdk/client-ecr', '@aws-sdk/client-inspector2', 'yaml'],
  'lambda/auto-tag': ['@aws-sdk/client-ssm', '@aws-sdk/client-resource-groups-tagging-api'],
  'lambda/finding-alert': ['@aws-sdk/client-sns', '@aws-sdk/client-dynamodb'],
  'lambda/ssm-role-fixer': ['@aws-sdk/client-ec2', '@aws-sdk/client-iam'],
};

/** licenses.txt entries: name line, licence line, text, separated by blank lines before a name. */
function entries(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if ((index === 0 || lines[index - 1] === '') && /^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/.test(line)) {
      found.set(line, lines[index + 1] ?? '');
    }
  }
  return found;
}

/**
 * Packages no bundle carries (issue 12): @actions/github and its transport (undici, through
 * @actions/http-client) gave way to @octokit/core on Node's fetch, and the sinks call routes by
 * `request`, not through the REST endpoint methods plugin. Named in licenses.txt, they would mean
 * a bundle holds them again, or that the list counts code the bundle does not load.
 */
const NOT_CARRIED = [
  '@actions/github',
  '@actions/http-client',
  'undici',
  '@octokit/plugin-rest-endpoint-methods',
];

describe.each(Object.entries(CARRIED))('actions/dist/%s/licenses.txt', (bundle, carried) => {
  it('names every package it is known to carry, each with a licence', () => {
    const file = join(dist, bundle, 'licenses.txt');
    expect(existsSync(file)).toBe(true);
    const named = entries(readFileSync(file, 'utf8'));
    for (const pkg of carried) {
      expect({ pkg, licence: named.get(pkg) }).toEqual({
        pkg,
        licence: expect.stringMatching(/\S/),
      });
    }
  });

  it('names none of the packages no bundle carries', () => {
    const named = entries(readFileSync(join(dist, bundle, 'licenses.txt'), 'utf8'));
    expect(NOT_CARRIED.filter((pkg) => named.has(pkg))).toEqual([]);
  });
});
