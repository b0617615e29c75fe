variable "create_output_bucket" {
  description = "Create the bucket Run Command writes each instance's output to (in the central account: the account the scheduled fleet check runs from)."
  type        = bool
  default     = true
}

variable "create_member_role" {
  description = "Create the role the central fleet-check role assumes in this account, and the policy its instances need to write their output (in every member account)."
  type        = bool
  default     = true
}

variable "output_bucket_name" {
  description = "The output bucket's name: with create_output_bucket, null lets Terraform pick one starting assetguard-fleet-check-; without it (a member account), the central bucket's name (required). The fleet-check action's output-bucket input."
  type        = string
  default     = null
}

variable "output_prefix" {
  description = "Key prefix the instances write under (the fleet-check action's output-prefix input)."
  type        = string
  default     = "assetguard/fleet-check"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*/?$", var.output_prefix))
    error_message = "output_prefix must be an S3 key prefix such as assetguard/fleet-check."
  }
}

variable "output_retention_days" {
  description = "Days an instance's output is kept (the run that sent the command reads it within minutes)."
  type        = number
  default     = 30

  validation {
    condition     = var.output_retention_days >= 1
    error_message = "output_retention_days must be at least 1."
  }
}

variable "output_bucket_force_destroy" {
  description = "Let terraform destroy delete the output bucket with its objects."
  type        = bool
  default     = false
}

variable "member_account_ids" {
  description = "Member accounts whose instances may write their output to the bucket (central account). The central account's own instances need no entry."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.member_account_ids : can(regex("^\\d{12}$", id))])
    error_message = "member_account_ids must be 12-digit AWS account ids."
  }
}

variable "central_role_arn" {
  description = "ARN of the central role the scheduled fleet check runs as (modules/github-oidc output fleet_check_role_arn): the only principal the member role trusts. Required with create_member_role."
  type        = string
  default     = null

  validation {
    condition     = var.central_role_arn == null || can(regex("^arn:[^:]+:iam::\\d{12}:role/.+$", var.central_role_arn))
    error_message = "central_role_arn must be an IAM role ARN."
  }
}

variable "member_role_name" {
  description = "Name of the member role (the fleet-check action's role-name input, the same in every account)."
  type        = string
  default     = "assetguard-fleet-check"
}

variable "import_to_security_hub" {
  description = "Let the member role read and import fleet findings into this account's Security Hub (the fleet-check action's import-to-securityhub input)."
  type        = bool
  default     = true
}

variable "instance_role_names" {
  description = "Roles of the checked instances' profiles to attach the output-writing policy to; others can attach the instance_output_policy_arn output themselves."
  type        = list(string)
  default     = []
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the output bucket; null uses SSE-S3 (AES256). With a key, its key policy must let the member instances encrypt and the central role decrypt."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
