# The account's security controls, created once per account and region by the root with
# account_baseline (prod; dev too when it has an account of its own): AWS Config with the control
# mapping table's managed rules, Security Hub with consolidated control findings, Inspector2, the
# alerts topic, the monthly budget and the tag policy parameter. An environment that shares the
# account refers to the baseline's topic and parameter by name.

variable "baseline_environment" {
  description = "Environment whose root creates the account baseline when this one does not (account_baseline = false): the shared alerts topic and AMP workspace are named after it."
  type        = string
  default     = "prod"

  validation {
    condition     = contains(["dev", "prod"], var.baseline_environment)
    error_message = "baseline_environment must be \"dev\" or \"prod\"."
  }
}

variable "alert_emails" {
  description = "Email addresses subscribed to the alerts topic (budgets, EventBridge, Prometheus alerts); each must confirm its subscription."
  type        = list(string)
  default     = []
}

variable "budget_limit_usd" {
  description = "Monthly cost budget of the account in USD: actual spend over 80% and 100% and a forecast over 100% notify the alerts topic."
  type        = number
  default     = 200
}

variable "budget_emails" {
  description = "Email addresses the budget also notifies directly (at most 10), besides the alerts topic."
  type        = list(string)
  default     = []
}

variable "tag_policy_parameter" {
  description = "SSM parameter holding the tag policy: what the auto-tag and finding-alert Lambdas read and `assetguard tags publish` writes (the policy's tags.parameter, default /assetguard/tag-policy)."
  type        = string
  default     = "/assetguard/tag-policy"
}

variable "config_global_resource_types_region" {
  description = "The one region whose Config recorder records global resource types (IAM); null records them in this stack's region. Set it when the baseline is applied in several regions."
  type        = string
  default     = null
}

variable "config_excluded_public_buckets" {
  description = "Buckets that are public on purpose (the s3-bucket-level-public-access-prohibited rule leaves them out)."
  type        = list(string)
  default     = []
}

locals {
  # Account singletons are named after the environment that creates them.
  baseline_name = var.account_baseline ? local.name : "${var.baseline_environment}-${var.service}"

  alerts_topic_name = "${local.baseline_name}-alerts"
  alerts_topic_arn  = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.alerts_topic_name}"

  # The policy file this repository reviews is what the Lambdas enforce. path.module (not
  # path.root) so the path holds whichever root calls the stack.
  tag_policy_file           = "${path.module}/../../../.github/assetguard.yml"
  tag_policy_parameter_name = var.tag_policy_parameter

  # The required-tags Config rule checks the policy's required keys and allowed values.
  tag_policy_required = yamldecode(file(local.tag_policy_file)).tags.required
  config_required_tags = {
    for key, rule in local.tag_policy_required : key => join(",", try(rule.allowed, []))
  }
}

module "alerts_topic" {
  source = "../alerts-topic"
  count  = var.account_baseline ? 1 : 0

  name            = local.alerts_topic_name
  email_addresses = var.alert_emails
  # Budgets, EventBridge rules and the AMP alert manager (observability.tf).
  publisher_services = ["budgets.amazonaws.com", "events.amazonaws.com", "aps.amazonaws.com"]
}

module "budget" {
  source = "../budget"
  count  = var.account_baseline ? 1 : 0

  name            = "${local.baseline_name}-monthly"
  limit_amount    = var.budget_limit_usd
  topic_arn       = module.alerts_topic[0].topic_arn
  email_addresses = var.budget_emails
}

module "tag_policy_parameter" {
  source = "../tag-policy-parameter"
  count  = var.account_baseline ? 1 : 0

  name        = local.tag_policy_parameter_name
  policy_file = local.tag_policy_file
}

module "inspector2" {
  source = "../inspector2"
  count  = var.account_baseline ? 1 : 0

  resource_types = ["ECR", "EC2", "LAMBDA"]
}

module "securityhub" {
  source = "../securityhub"
  count  = var.account_baseline ? 1 : 0
}

module "config_rules" {
  source = "../config-rules"
  count  = var.account_baseline ? 1 : 0

  name                         = local.baseline_name
  automation_role_arn          = module.remediation[0].automation_role_arn
  required_tags                = local.config_required_tags
  excluded_public_buckets      = var.config_excluded_public_buckets
  global_resource_types_region = var.config_global_resource_types_region
  bucket_force_destroy         = var.force_destroy
}

output "alerts_topic_arn" {
  description = "SNS topic of operational alerts (budgets, EventBridge, Prometheus alert manager); subscribe more endpoints to it."
  value       = local.alerts_topic_arn
}

output "tag_policy_parameter" {
  description = "SSM parameter holding the tag policy (the tag-policy workflow's publish target and the Lambdas' source)."
  value       = local.tag_policy_parameter_name
}

output "config_rule_names" {
  description = "Config rules of the control mapping table created by this root (empty where another root holds the baseline)."
  value       = var.account_baseline ? module.config_rules[0].rule_names : []
}
