variable "github_repository" {
  description = "The repository, as owner/name; the github provider's owner must be its owner."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "environments" {
  description = "The GitHub environments to create, by name. Every one deploys from var.deployment_branch only; required_reviewers true means the environment must name reviewers (GitHub user or team ids), who approve each job before it gets the environment's variables and its OIDC sub."
  type = map(object({
    required_reviewers  = bool
    reviewer_user_ids   = optional(list(number), [])
    reviewer_team_ids   = optional(list(number), [])
    prevent_self_review = optional(bool, true)
    wait_timer_minutes  = optional(number, 0)
  }))

  validation {
    condition     = alltrue([for name in keys(var.environments) : can(regex("^[^*?:/\\s]+$", name))])
    error_message = "Environment names must not hold wildcards, colons, slashes or spaces (the OIDC sub is environment:<name>)."
  }

  validation {
    condition     = alltrue([for env in values(var.environments) : length(env.reviewer_user_ids) + length(env.reviewer_team_ids) <= 6])
    error_message = "GitHub allows at most 6 required reviewers (users and teams) per environment."
  }
}

variable "environment_variables" {
  description = "Variables of each environment, by environment name then variable name (e.g. AWS_DEPLOY_ROLE_ARN, ECS_CLUSTER). Every environment named here must be in environments."
  type        = map(map(string))
  default     = {}
}

variable "repository_variables" {
  description = "Repository variables (GitHub Actions vars.*), by name, e.g. AWS_REGION and the shared roles' ARNs."
  type        = map(string)
  default     = {}
}

variable "deployment_branch" {
  description = "The one branch (a name, not a pattern with wildcards) whose jobs may run in every environment created here; jobs of other branches and of tags are rejected."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[^*?\\[\\]\\s]+$", var.deployment_branch))
    error_message = "deployment_branch must be one branch name, without wildcards or spaces."
  }
}
