variable "aws_region" {
  description = "AWS region for the ECR repository, scanning configuration and Inspector."
  type        = string
  default     = "eu-west-1"
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the scan gate role."
  type        = string
}

variable "subject_claims" {
  description = "OIDC sub claim suffixes allowed to assume the role (after repo:<owner>/<name>:)."
  type        = list(string)
  default     = ["ref:refs/heads/main", "environment:*"]
}

variable "repository_name" {
  description = "ECR repository for the demo app image."
  type        = string
  default     = "assetguard-demo-app"
}

variable "create_oidc_provider" {
  description = "Create the GitHub OIDC provider; set false if the account already has one."
  type        = bool
  default     = true
}

variable "existing_oidc_provider_arn" {
  description = "ARN of the account's existing GitHub OIDC provider when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "enable_inspector" {
  description = "Enable Amazon Inspector for ECR here; false when an organization delegated admin manages it."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Optional KMS key for repository encryption; null uses AES256."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags applied to every resource through the provider's default_tags."
  type        = map(string)
  default     = {}
}

variable "tag_policy_parameter" {
  description = "SSM parameter the tag-policy workflow publishes the tag policy to and the auto-tag Lambda reads."
  type        = string
  default     = "/assetguard/tag-policy"
}

variable "create_trail" {
  description = "Create a CloudTrail trail for the auto-tag rule; leave false when the account already records management events (EventBridge gets CloudTrail events only from a trail)."
  type        = bool
  default     = false
}

variable "slack_webhook_parameter" {
  description = "SSM SecureString parameter holding the Slack incoming-webhook URL for finding alerts; null sends alerts by email only."
  type        = string
  default     = null
}

variable "alert_owner_emails" {
  description = "Finding-alert email subscriptions per owner tag value (\"unowned\" for resources without an owner tag)."
  type        = map(list(string))
  default     = {}
}

variable "remediation_environment" {
  description = "GitHub environment (with required reviewers) the remediate workflow's execute job runs in; only its jobs may assume the remediate role."
  type        = string
  default     = "remediation"
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
