variable "name" {
  description = "Name of the parameter: what the auto-tag Lambda reads (ASSETGUARD_TAG_POLICY_PARAMETER) and tags publish writes (policy tags.parameter, default /assetguard/tag-policy)."
  type        = string
  default     = "/assetguard/tag-policy"

  validation {
    condition     = can(regex("^/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.name)) && !can(regex("^/?(?i:aws|ssm)", var.name))
    error_message = "name must be an SSM parameter name such as /assetguard/tag-policy, not under the reserved aws or ssm prefixes."
  }
}

variable "policy_file" {
  description = "Path of the assetguard policy file whose text the parameter holds (the repository's .github/assetguard.yml)."
  type        = string
}

variable "tags" {
  description = "Tags added to the parameter (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
