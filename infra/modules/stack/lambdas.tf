# The account's automation, created by the baseline root: the auto-tag, finding-alert and
# ssm-role-fixer Lambdas (packaged from the committed bundles in actions/dist/lambda by
# modules/lambda-function), the role SSM Automation runs remediation runbooks as with the audit
# bucket, and the fleet host checks' output bucket and member role.

variable "create_trail" {
  description = "Create a CloudTrail trail for the auto-tag and ssm-role-fixer rules; leave false when the account already records management events (EventBridge gets CloudTrail events only from a trail)."
  type        = bool
  default     = false
}

variable "slack_webhook_parameter" {
  description = "SSM SecureString parameter holding the Slack incoming-webhook URL for finding alerts and ssm-role-fixer reports; null sends them by email only."
  type        = string
  default     = null
}

variable "alert_owner_emails" {
  description = "Finding-alert email subscriptions per owner tag value (\"unowned\" for resources without an owner tag)."
  type        = map(list(string))
  default     = {}
}

variable "ssm_fixer_exception_role_names" {
  description = "IAM role names the ssm-role-fixer leaves alone."
  type        = list(string)
  default     = []
}

variable "ssm_fixer_create_default_profile" {
  description = "Let the ssm-role-fixer give instances without an instance profile the default one (created with AmazonSSMManagedInstanceCore)."
  type        = bool
  default     = false
}

variable "ssm_fixer_report_emails" {
  description = "Email addresses subscribed to the ssm-role-fixer's reports (what it cannot fix, its failures)."
  type        = list(string)
  default     = []
}

variable "fleet_check_instance_role_names" {
  description = "Roles of the checked instances' profiles that get the policy to write their fleet check output to the bucket."
  type        = list(string)
  default     = []
}

locals {
  # Data a throwaway environment may lose with `terraform destroy`; prod keeps it.
  lambdas_keep_data = var.environment == "prod"

  # The role every remediation runs as. Its name is fixed (modules/remediation), so an
  # environment that shares the account can name the baseline's role too.
  remediation_automation_role_arn = (
    var.account_baseline
    ? module.remediation[0].automation_role_arn
    : "arn:${local.partition}:iam::${local.account_id}:role/assetguard-remediation-automation"
  )
}

# Tags resources as they are created (docs/auto-tag.md), from the tag policy parameter that
# security.tf fills with .github/assetguard.yml.
module "auto_tag" {
  source = "../auto-tag"
  count  = var.account_baseline ? 1 : 0

  function_name              = "${local.name}-auto-tag"
  tag_policy_parameter       = local.tag_policy_parameter_name
  create_trail               = var.create_trail
  trail_bucket_force_destroy = var.force_destroy
}

# Alerts owners of new Security Hub and Inspector findings (docs/finding-alert.md): Slack when
# slack_webhook_parameter names a SecureString, email per owner through its own SNS topic.
module "finding_alert" {
  source = "../finding-alert"
  count  = var.account_baseline ? 1 : 0

  function_name             = "${local.name}-finding-alert"
  policy_parameter          = local.tag_policy_parameter_name
  slack_webhook_parameter   = var.slack_webhook_parameter
  owner_emails              = var.alert_owner_emails
  table_deletion_protection = local.lambdas_keep_data
}

# Gives EC2 instance roles what Systems Manager needs (docs/ssm-role-fixer.md): attaches
# AmazonSSMManagedInstanceCore to the role of an instance's profile, never replacing a profile.
# Its CloudTrail rule needs a trail recording management events (create_trail, or the account's).
module "ssm_role_fixer" {
  source = "../ssm-role-fixer"
  count  = var.account_baseline ? 1 : 0

  function_name           = "${local.name}-ssm-role-fixer"
  exception_role_names    = var.ssm_fixer_exception_role_names
  create_default_profile  = var.ssm_fixer_create_default_profile
  slack_webhook_parameter = var.slack_webhook_parameter
  report_emails           = var.ssm_fixer_report_emails
}

# The role SSM Automation runs remediation runbooks as (the remediate workflow's and the Config
# remediations' AutomationAssumeRole), and the bucket of the remediation audit records.
module "remediation" {
  source = "../remediation"
  count  = var.account_baseline ? 1 : 0

  protect_audit_records      = local.lambdas_keep_data
  audit_bucket_force_destroy = var.force_destroy
}

# Fleet host checks with this account as both the central and the only member account: the
# output bucket, the member role the fleet-check role (github.tf) assumes, and the instances'
# write policy.
module "fleet_check" {
  source = "../fleet-check"
  count  = var.account_baseline ? 1 : 0

  central_role_arn            = local.fleet_check_role_arn
  instance_role_names         = var.fleet_check_instance_role_names
  output_bucket_force_destroy = var.force_destroy
}

output "auto_tag_function_arn" {
  description = "ARN of the auto-tag Lambda function (null where another root holds the baseline)."
  value       = var.account_baseline ? module.auto_tag[0].function_arn : null
}

output "auto_tag_rule_arn" {
  description = "ARN of the EventBridge rule that sends creation events to the auto-tag Lambda (null where another root holds the baseline)."
  value       = var.account_baseline ? module.auto_tag[0].rule_arn : null
}

output "finding_alert_topic_arn" {
  description = "SNS topic of the finding alerts (message attribute owner); subscribe more endpoints with a filter policy on it (null where another root holds the baseline)."
  value       = var.account_baseline ? module.finding_alert[0].topic_arn : null
}

output "ssm_role_fixer_topic_arn" {
  description = "SNS topic of the ssm-role-fixer's reports; subscribe more endpoints to it (null where another root holds the baseline)."
  value       = var.account_baseline ? module.ssm_role_fixer[0].topic_arn : null
}

output "remediation_automation_role_arn" {
  description = "The role SSM Automation runs the runbooks as: the remediate workflow's automation-assume-role input."
  value       = local.remediation_automation_role_arn
}

output "remediation_audit_bucket" {
  description = "Bucket every remediation run appends its audit record to: the remediate workflow's audit location (null where another root holds the baseline)."
  value       = var.account_baseline ? module.remediation[0].audit_bucket_name : null
}

output "fleet_check_output_bucket" {
  description = "The fleet-check action's output-bucket input (null where another root holds the baseline)."
  value       = var.account_baseline ? module.fleet_check[0].output_bucket_name : null
}
