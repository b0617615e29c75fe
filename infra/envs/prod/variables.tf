variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows deploy this environment; the github provider manages its Actions variables (token from GITHUB_TOKEN)."
  type        = string
}

variable "owner" {
  description = "Owner tag of every resource (an address the tag policy accepts: ^[^@]+@example\\.com$)."
  type        = string
  default     = "platform-security@example.com"
}

variable "data_classification" {
  description = "DataClassification tag of every resource (public, internal, confidential or restricted)."
  type        = string
  default     = "confidential"
}

variable "certificate_arn" {
  description = "ACM certificate (same region) of the portal's HTTPS listener."
  type        = string
}

variable "github_deploy_reviewers" {
  description = "Who approves each deploy to prod: GitHub user and team ids (`gh api users/NAME --jq .id`, `gh api orgs/ORG/teams/SLUG --jq .id`), required reviewers of the GitHub environment prod."
  type = object({
    user_ids = optional(list(number), [])
    team_ids = optional(list(number), [])
  })

  validation {
    condition     = length(var.github_deploy_reviewers.user_ids) + length(var.github_deploy_reviewers.team_ids) > 0
    error_message = "github_deploy_reviewers must name at least one user or team id: prod deploys wait for a reviewer."
  }
}

variable "github_remediation_reviewers" {
  description = "Who approves each remediation run (docs/remediation.md): GitHub user and team ids, required reviewers of the GitHub environment remediation, which this baseline root creates."
  type = object({
    user_ids = optional(list(number), [])
    team_ids = optional(list(number), [])
  })

  validation {
    condition     = length(var.github_remediation_reviewers.user_ids) + length(var.github_remediation_reviewers.team_ids) > 0
    error_message = "github_remediation_reviewers must name at least one user or team id: remediation runs wait for a reviewer."
  }
}
