provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(
      {
        Project     = "assetguard"
        Environment = "dev"
        ManagedBy   = "terraform"
        Owner       = "platform@example.com"
      },
      var.tags,
    )
  }
}

module "ecr_scanning" {
  source = "../../modules/ecr-scanning"

  repository_name  = var.repository_name
  kms_key_arn      = var.kms_key_arn
  enable_inspector = var.enable_inspector
  # The demo is meant to be torn down; real environments keep the default.
  force_delete = true
}

module "github_oidc" {
  source = "../../modules/github-oidc"

  github_repository          = var.github_repository
  subject_claims             = var.subject_claims
  role_name                  = "assetguard-demo-scan-gate"
  create_oidc_provider       = var.create_oidc_provider
  existing_oidc_provider_arn = var.existing_oidc_provider_arn

  # The remediate workflow's execute job (environment) and the scheduled fleet check (main).
  remediation_environment = var.remediation_environment
  remediate_role_name     = "assetguard-demo-remediate"
  fleet_check_role_name   = "assetguard-demo-fleet-check-central"
}

# Tags resources as they are created (docs/auto-tag.md). Needs the tag policy in SSM first:
# run the tag-policy workflow's publish (or `assetguard tags publish --execute`) once.
module "auto_tag" {
  source = "../../modules/auto-tag"

  function_name        = "assetguard-demo-auto-tag"
  tag_policy_parameter = var.tag_policy_parameter
  create_trail         = var.create_trail
  # The demo is meant to be torn down; real environments keep the default.
  trail_bucket_force_destroy = true
}

# Alerts owners of new Security Hub and Inspector findings (docs/finding-alert.md): Slack when
# slack_webhook_parameter names a SecureString, email per owner through the SNS topic.
module "finding_alert" {
  source = "../../modules/finding-alert"

  function_name           = "assetguard-demo-finding-alert"
  policy_parameter        = var.tag_policy_parameter
  slack_webhook_parameter = var.slack_webhook_parameter
  owner_emails            = var.alert_owner_emails
  # The demo is meant to be torn down; real environments keep the default.
  table_deletion_protection = false
}

# Gives EC2 instance roles what Systems Manager needs (docs/ssm-role-fixer.md): attaches
# AmazonSSMManagedInstanceCore to the role of an instance's profile, never replacing a profile.
# The CloudTrail rule needs a trail recording management events (create_trail above, or the
# account's own).
module "ssm_role_fixer" {
  source = "../../modules/ssm-role-fixer"

  function_name           = "assetguard-demo-ssm-role-fixer"
  exception_role_names    = var.ssm_fixer_exception_role_names
  create_default_profile  = var.ssm_fixer_create_default_profile
  slack_webhook_parameter = var.slack_webhook_parameter
  report_emails           = var.ssm_fixer_report_emails
}

# The role SSM Automation runs remediation runbooks as, and the bucket of the remediation audit
# records (README "Remediation").
module "remediation" {
  source = "../../modules/remediation"

  # The demo is meant to be torn down; real environments keep the defaults.
  protect_audit_records      = false
  audit_bucket_force_destroy = true
}

# Fleet host checks with this account as both the central and the only member account: the
# output bucket, the member role the fleet-check role assumes, and the instances' write policy.
module "fleet_check" {
  source = "../../modules/fleet-check"

  central_role_arn    = module.github_oidc.fleet_check_role_arn
  instance_role_names = var.fleet_check_instance_role_names
  # The demo is meant to be torn down; real environments keep the default.
  output_bucket_force_destroy = true
}
