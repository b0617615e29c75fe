variable "github_repository" {
  description = "GitHub repository allowed to assume the role, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "subject_claims" {
  description = "Suffixes of the OIDC sub claim allowed after repo:<owner>/<name>:, e.g. ref:refs/heads/main or environment:prod. Wildcards (*) are matched with StringLike."
  type        = list(string)
  default     = ["ref:refs/heads/main", "environment:*"]

  validation {
    condition     = length(var.subject_claims) > 0 && alltrue([for s in var.subject_claims : s != "*" && s != ""])
    error_message = "subject_claims must name at least one branch or environment; a bare \"*\" would let every workflow in the repository assume the role."
  }
}

variable "role_name" {
  description = "Name of the IAM role the scan gate assumes from GitHub Actions."
  type        = string
  default     = "assetguard-scan-gate"
}

variable "max_session_duration" {
  description = "Maximum session length in seconds; the gate waits up to its timeout input (15m by default) for a scan."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "create_oidc_provider" {
  description = "Create the token.actions.githubusercontent.com OIDC provider. Set false when the account already has one (there can be only one per URL)."
  type        = bool
  default     = true
}

variable "existing_oidc_provider_arn" {
  description = "ARN of an existing GitHub OIDC provider, used when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "oidc_thumbprints" {
  description = "Certificate thumbprints for the OIDC provider. IAM now trusts GitHub's CA directly, but older AWS provider versions still require a value."
  type        = list(string)
  default     = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
