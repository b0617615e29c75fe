import { BatchGetSecurityControlsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { awsFailure } from '../../actions/src/core/errors';

// An endpoint that answers an HTML page (a proxy's error page, or an emulator without the
// operation: moto 5.2.1 answers BatchGetSecurityControls with an HTML page) makes the SDK throw a
// SyntaxError about hidden fields. The user must read what happened and what to check.
describe('awsFailure on an answer the SDK cannot parse', () => {
  it('says the endpoint answered something that is not an AWS API response, with the HTTP status', async () => {
    const client = new SecurityHubClient({ region: 'sa-east-1', maxAttempts: 1 });
    const failure = await client
      .send(new BatchGetSecurityControlsCommand({ SecurityControlIds: ['EC2.8'] }))
      .then(
        () => undefined,
        (error: unknown) =>
          awsFailure('read control EC2.8', 'securityhub:BatchGetSecurityControls', error),
      );
    expect(failure?.message).toMatch(
      /^could not read control EC2\.8: the endpoint answered something that is not a well-formed AWS API response \(HTTP \d{3}\); check AWS_ENDPOINT_URL/,
    );
    expect(failure?.message).not.toMatch(/\$response|SyntaxError|Unexpected token/);
  });
});
