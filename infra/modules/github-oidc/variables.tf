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

variable "remediation_environment" {
  description = "GitHub environment the remediate workflow's execute job runs in (with required reviewers); only its jobs may assume the remediate role."
  type        = string
  default     = "remediation"

  validation {
    condition     = can(regex("^[^*?:/]+$", var.remediation_environment)) && trimspace(var.remediation_environment) != ""
    error_message = "remediation_environment must be one environment name, without wildcards, colons or slashes."
  }
}

variable "remediate_role_name" {
  description = "Name of the IAM role the remediate workflow assumes in the remediation environment."
  type        = string
  default     = "assetguard-remediate"
}

variable "fleet_check_branch" {
  description = "Branch whose workflows may assume the fleet-check role (scheduled workflows run on the default branch)."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[^*?]+$", var.fleet_check_branch)) && trimspace(var.fleet_check_branch) != ""
    error_message = "fleet_check_branch must be one branch name, without wildcards."
  }
}

variable "fleet_check_role_name" {
  description = "Name of the IAM role the scheduled fleet check assumes (the central role each member account's fleet-check role trusts). Not assetguard-fleet-check: that is the member role's name (modules/fleet-check), and the central account can be a member too."
  type        = string
  default     = "assetguard-fleet-check-central"
}
