# The GitHub side of the roles: the environments whose names the deploy and remediate roles
# trust, created here so that only main may run a job in one (a job on another branch that names
# an environment is rejected and gets no environment:<name> sub), and the variables the
# workflows read (role ARNs, ECS names).

locals {
  repository = split("/", var.github_repository)[1]

  environment_variables = merge([
    for environment, variables in var.environment_variables : {
      for name, value in variables : "${environment}/${name}" => {
        environment = environment
        name        = name
        value       = value
      }
    }
  ]...)
}

# Looked up by name under the github provider's owner: the precondition below then catches a
# provider configured for another owner, which would otherwise manage a namesake repository.
data "github_repository" "this" {
  name = local.repository
}

resource "github_repository_environment" "this" {
  for_each = var.environments

  repository          = local.repository
  environment         = each.key
  wait_timer          = each.value.wait_timer_minutes
  can_admins_bypass   = false
  prevent_self_review = each.value.prevent_self_review

  dynamic "reviewers" {
    for_each = length(each.value.reviewer_user_ids) + length(each.value.reviewer_team_ids) > 0 ? [1] : []

    content {
      users = each.value.reviewer_user_ids
      teams = each.value.reviewer_team_ids
    }
  }

  # Only the branches named by github_repository_environment_deployment_policy below (main) may
  # run jobs in the environment: a job on any other branch that names it is rejected and never
  # gets its OIDC sub environment:<name>. Not protected_branches: with no branch protection rule
  # in the repository GitHub lets every branch deploy, so that setting alone protects nothing.
  deployment_branch_policy {
    protected_branches     = false
    custom_branch_policies = true
  }

  lifecycle {
    precondition {
      condition     = lower(data.github_repository.this.full_name) == lower(var.github_repository)
      error_message = "The github provider's owner does not own ${var.github_repository} (found ${data.github_repository.this.full_name}): set the provider's owner to the repository's owner."
    }
    precondition {
      condition     = !each.value.required_reviewers || length(each.value.reviewer_user_ids) + length(each.value.reviewer_team_ids) > 0
      error_message = "Environment ${each.key} needs required reviewers: give reviewer_user_ids or reviewer_team_ids."
    }
  }
}

# The one branch allowed to deploy to each environment, whatever the repository's branch
# protection rules say (the environment's custom_branch_policies above makes GitHub enforce it).
resource "github_repository_environment_deployment_policy" "main" {
  for_each = github_repository_environment.this

  repository     = local.repository
  environment    = each.value.environment
  branch_pattern = var.deployment_branch
}

resource "github_actions_environment_variable" "this" {
  for_each = local.environment_variables

  repository    = local.repository
  environment   = github_repository_environment.this[each.value.environment].environment
  variable_name = each.value.name
  value         = each.value.value
}

resource "github_actions_variable" "this" {
  for_each = var.repository_variables

  repository    = local.repository
  variable_name = each.key
  value         = each.value
}
