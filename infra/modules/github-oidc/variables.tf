variable "github_repository" {
  description = "The GitHub repository whose jobs may assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name, without wildcards."
  }
}

variable "role_kinds" {
  description = "The role kinds to create, keys of permissions.json: push, gate, deploy, tag-policy, report, remediate, fleet-check, terraform-plan. An account's shared kinds are created once (the account baseline); deploy once per environment."
  type        = list(string)

  validation {
    condition     = length(var.role_kinds) > 0 && length(distinct(var.role_kinds)) == length(var.role_kinds)
    error_message = "role_kinds must name at least one kind, each once."
  }
}

variable "name_prefix" {
  description = "Role names are <name_prefix>-<kind>, e.g. prod-portal-github-deploy (at most 64 characters in all)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,49}$", var.name_prefix))
    error_message = "name_prefix must be 1-49 characters IAM allows in a role name (letters, digits, +=,.@_-), leaving room for the longest kind."
  }
}

variable "max_session_duration" {
  description = "Longest session in seconds; the scan gate waits up to its timeout input (15m by default) for a scan, and a plan or deploy can take longer."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "create_oidc_provider" {
  description = "Create the token.actions.githubusercontent.com OIDC provider (one per account: the account baseline creates it); false looks the existing one up."
  type        = bool
  default     = false
}

variable "deploy_environment" {
  description = "The GitHub environment whose jobs may assume the deploy role (sub environment:<name>); pass the name of an environment Terraform creates with protection (module github-environment). Needed with the deploy kind."
  type        = string
  default     = null

  validation {
    condition     = var.deploy_environment == null || can(regex("^[^*?:/\\s]+$", var.deploy_environment))
    error_message = "deploy_environment must be one environment name, without wildcards, colons, slashes or spaces."
  }
}

variable "remediation_environment" {
  description = "The GitHub environment (required reviewers) whose jobs may assume the remediate role; pass the name of an environment Terraform creates with protection. Needed with the remediate kind."
  type        = string
  default     = null

  validation {
    condition     = var.remediation_environment == null || can(regex("^[^*?:/\\s]+$", var.remediation_environment))
    error_message = "remediation_environment must be one environment name, without wildcards, colons, slashes or spaces."
  }
}

variable "ecr_repository_arn" {
  description = "ARN of the app's ECR repository: the only repository the push, gate and deploy jobs touch. Needed with push and gate."
  type        = string
  default     = null
}

variable "ecs_cluster_name" {
  description = "Name of the environment's ECS cluster. Needed with deploy."
  type        = string
  default     = null
}

variable "ecs_service_name" {
  description = "Name of the ECS service the deploy role updates. Needed with deploy."
  type        = string
  default     = null
}

variable "ecs_task_role_arn" {
  description = "ARN of the task role the deploy role may pass to ECS tasks. Needed with deploy."
  type        = string
  default     = null
}

variable "ecs_execution_role_arn" {
  description = "ARN of the task execution role the deploy role may pass to ECS tasks. Needed with deploy."
  type        = string
  default     = null
}

variable "tag_policy_parameter_name" {
  description = "Name of the SSM parameter the tag policy is published to (e.g. /assetguard/tag-policy). Needed with tag-policy."
  type        = string
  default     = null
}

variable "state_bucket_name" {
  description = "Bucket of the daily report's state (objects under assetguard/daily-report/). Needed with report."
  type        = string
  default     = null
}

variable "report_bucket_name" {
  description = "Bucket the daily report publishes report.json to for the portal (the one key portal/report.json). Needed with report."
  type        = string
  default     = null
}

variable "remediation_audit_bucket_name" {
  description = "Bucket of the remediation audit records (assetguard/remediation-audit/): remediate appends, report reads. Needed with report and remediate."
  type        = string
  default     = null
}

variable "remediation_automation_role_arn" {
  description = "ARN of the role SSM Automation runs the runbooks as: the only role the remediate role may pass (to SSM). Needed with remediate."
  type        = string
  default     = null
}

variable "fleet_check_bucket_name" {
  description = "Bucket Run Command writes the fleet host check outputs to. Needed with fleet-check."
  type        = string
  default     = null
}

variable "fleet_check_output_prefix" {
  description = "Key prefix of the fleet check outputs (the fleet-check module's output_prefix). Needed with fleet-check."
  type        = string
  default     = null
}

variable "fleet_check_member_role_name" {
  description = "Name of the role the fleet check assumes in each member account (the fleet-check module's member_role_name). Needed with fleet-check."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
