variable "name" {
  description = "Name prefix of the recorder, delivery channel, role and bucket (<name>-recorder, <name>-config-<account id>), e.g. prod-portal."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,30}$", var.name))
    error_message = "name must be 1-31 lower-case letters, digits and hyphens (it prefixes an S3 bucket name)."
  }
}

variable "automation_role_arn" {
  description = "ARN of the role SSM Automation assumes for the remediations (modules/remediation output automation_role_arn): every remediation's AutomationAssumeRole."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:iam::\\d{12}:role/.+$", var.automation_role_arn))
    error_message = "automation_role_arn must be an IAM role ARN."
  }
}

variable "global_resource_types_region" {
  description = "The one region that records global resource types (IAM users, roles, policies, groups); null records them here. Set it to the same region in every region's call so they are recorded once."
  type        = string
  default     = null
}

variable "required_tags" {
  description = "Tag keys the required-tags rule checks (1-6), each with its allowed values comma-separated, or \"\" for any value. modules/stack derives them from the tag policy (.github/assetguard.yml tags.required)."
  type        = map(string)

  validation {
    condition     = length(var.required_tags) >= 1 && length(var.required_tags) <= 6
    error_message = "required_tags must name 1 to 6 tag keys (REQUIRED_TAGS takes tag1Key..tag6Key)."
  }
}

variable "excluded_public_buckets" {
  description = "Buckets that are public on purpose: the s3-bucket-level-public-access-prohibited rule's excludedPublicBuckets (remediating them would block their public access)."
  type        = list(string)
  default     = []
}

variable "controls_file" {
  description = "Path of the control mapping table the rules are checked against at plan time; null means the repository's actions/src/core/controls.json."
  type        = string
  default     = null
}

variable "key_prefix" {
  description = "Key prefix of the delivered snapshots and history in the bucket."
  type        = string
  default     = "config"
}

variable "snapshot_delivery_frequency" {
  description = "How often Config delivers a configuration snapshot to the bucket."
  type        = string
  default     = "TwentyFour_Hours"

  validation {
    condition     = contains(["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"], var.snapshot_delivery_frequency)
    error_message = "snapshot_delivery_frequency must be One_Hour, Three_Hours, Six_Hours, Twelve_Hours or TwentyFour_Hours."
  }
}

variable "snapshot_retention_days" {
  description = "Days the delivered snapshots and history are kept in the bucket."
  type        = number
  default     = 365
}

variable "bucket_force_destroy" {
  description = "Let terraform destroy delete the delivery bucket with its objects."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the delivery bucket and channel; null uses SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
