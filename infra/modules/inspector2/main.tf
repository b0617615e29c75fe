# Amazon Inspector for this account and region: ECR (the enhanced scans the scan gate waits
# for), EC2 and Lambda. The account id comes from the caller, so the same call works in any
# account; under an AWS Organizations delegated administrator, enable members there instead.
#
# The ECR re-scan duration (how long Inspector keeps re-scanning an image after its push or last
# pull) is set by Inspector2 UpdateConfiguration, which AWS provider 6.x has no resource for
# (hashicorp/terraform-provider-aws#29014, #47824). Set it once per account and region with
# `aws inspector2 update-configuration --ecr-configuration rescanDuration=DAYS_180` (or LIFETIME);
# an image past it reports SCAN_ELIGIBILITY_EXPIRED to the scan gate.

data "aws_caller_identity" "current" {}

resource "aws_inspector2_enabler" "this" {
  account_ids    = [data.aws_caller_identity.current.account_id]
  resource_types = var.resource_types
}
