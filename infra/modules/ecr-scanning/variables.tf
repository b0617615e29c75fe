variable "repository_name" {
  description = "Name of the ECR repository the deploy pipeline pushes the app image to."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.repository_name))
    error_message = "repository_name must be a valid ECR repository name (lowercase, digits, . _ - and /)."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for repository encryption. When null, ECR uses AES256 with an AWS-owned key."
  type        = string
  default     = null
}

variable "scan_repository_filter" {
  description = "Repository name filter (wildcards allowed) that gets CONTINUOUS_SCAN enhanced scanning. Defaults to the repository itself."
  type        = string
  default     = null
}

variable "enable_inspector" {
  description = "Enable Amazon Inspector for ECR in this account. Set false when a delegated administrator already manages it."
  type        = bool
  default     = true
}

variable "force_delete" {
  description = "Allow terraform destroy to delete the repository while it still holds images (throwaway environments only)."
  type        = bool
  default     = false
}

variable "untagged_image_expiry_days" {
  description = "Days after push at which the lifecycle policy expires untagged images (manifests left by a push that failed; every image the pipelines use is tagged)."
  type        = number
  default     = 1

  validation {
    condition     = var.untagged_image_expiry_days >= 1 && floor(var.untagged_image_expiry_days) == var.untagged_image_expiry_days
    error_message = "untagged_image_expiry_days must be a whole number of days, at least 1."
  }
}

variable "pr_image_expiry_days" {
  description = "Days after push at which the lifecycle policy expires pull request images (tags starting with pr-, pushed by pr-checks.yml); a later run of the pull request's checks pushes its image again. Release images (main's commit sha tags) never expire."
  type        = number
  default     = 14

  validation {
    condition     = var.pr_image_expiry_days >= 1 && floor(var.pr_image_expiry_days) == var.pr_image_expiry_days
    error_message = "pr_image_expiry_days must be a whole number of days, at least 1."
  }
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "ecr_public_cache_prefix" {
  description = "Repository prefix of a pull-through cache rule for Amazon ECR Public (the ADOT collector image), so tasks in subnets without a NAT gateway pull it through the ECR endpoints; null creates no rule. One rule per prefix per account and region."
  type        = string
  default     = null
}
