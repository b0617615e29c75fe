# The GitHub Actions side of the environment: one IAM role per kind of job (modules/github-oidc,
# whose permissions.json says who may assume each and what it may do), the GitHub environments
# whose names the deploy and remediate roles trust (created here with protection), and the
# repository and environment variables the workflows read the role ARNs and ECS names from.

variable "github_deploy_reviewers" {
  description = "GitHub user and team ids whose approval a deploy job of this environment waits for (required in prod; ids from `gh api users/NAME --jq .id`, `gh api orgs/ORG/teams/SLUG --jq .id`)."
  type = object({
    user_ids = optional(list(number), [])
    team_ids = optional(list(number), [])
  })
  default = {}
}

variable "github_remediation_reviewers" {
  description = "GitHub user and team ids who approve every job of the remediation environment (required where account_baseline is true)."
  type = object({
    user_ids = optional(list(number), [])
    team_ids = optional(list(number), [])
  })
  default = {}
}

locals {
  # Created once per account by the baseline root; every environment has its own deploy role.
  github_shared_role_kinds = ["push", "gate", "tag-policy", "report", "remediate", "fleet-check", "terraform-plan"]
  github_role_kinds        = concat(["deploy"], var.account_baseline ? local.github_shared_role_kinds : [])

  # Every environment a role trusts is created here, deployable from main only (a custom branch policy, whatever the branch protection rules).
  github_environments = {
    for name, settings in {
      (var.environment) = {
        required_reviewers = var.environment == "prod"
        reviewer_user_ids  = var.github_deploy_reviewers.user_ids
        reviewer_team_ids  = var.github_deploy_reviewers.team_ids
      }
      remediation = {
        required_reviewers = true
        reviewer_user_ids  = var.github_remediation_reviewers.user_ids
        reviewer_team_ids  = var.github_remediation_reviewers.team_ids
      }
    } : name => settings if name == var.environment || var.account_baseline
  }

  # The deploy workflow reads these from the environment its deploy job runs in.
  github_deploy_variables = {
    ECS_CLUSTER        = module.ecs.cluster_name
    ECS_SERVICE        = module.ecs.service_name
    ECS_TASK_FAMILY    = module.ecs.task_family
    ECS_CONTAINER_NAME = module.ecs.container_name
  }

  # lambdas.tf passes it to the fleet-check module: the member role trusts this role.
  fleet_check_role_arn = module.github_oidc.fleet_check_role_arn
}

module "github_environment" {
  source = "../github-environment"

  github_repository = var.github_repository
  environments      = local.github_environments

  # Each role trusted only for environment:<name> is that environment's variable; the others
  # are repository variables, set by the baseline root only (dev would overwrite prod's).
  environment_variables = {
    for name in keys(local.github_environments) : name => merge(
      name == var.environment ? local.github_deploy_variables : {},
      { for kind, variable in module.github_oidc.github_variables : variable.name => variable.value if variable.environment == name },
    )
  }
  repository_variables = var.account_baseline ? merge(
    {
      AWS_REGION     = local.region
      ECR_REPOSITORY = local.ecr_repository_name
      # The buckets and the role the shared roles are scoped to: set here so the workflows name
      # exactly those (another bucket would answer AccessDenied).
      REPORT_STATE_BUCKET             = module.state_bucket.bucket
      REPORT_BUCKET                   = module.report_bucket.bucket
      REMEDIATION_AUDIT_BUCKET        = one(module.remediation[*].audit_bucket_name)
      REMEDIATION_AUTOMATION_ROLE_ARN = local.remediation_automation_role_arn
      FLEET_OUTPUT_BUCKET             = one(module.fleet_check[*].output_bucket_name)
    },
    { for kind, variable in module.github_oidc.github_variables : variable.name => variable.value if variable.environment == null },
  ) : {}
}

module "github_oidc" {
  source = "../github-oidc"

  github_repository    = var.github_repository
  role_kinds           = local.github_role_kinds
  name_prefix          = "${local.name}-github"
  create_oidc_provider = var.account_baseline

  # Names read back from the created environments, so a role can only trust an environment
  # that exists with its protection.
  deploy_environment      = module.github_environment.environments[var.environment]
  remediation_environment = try(module.github_environment.environments["remediation"], null)

  ecr_repository_arn     = local.ecr_repository_arn
  ecs_cluster_name       = module.ecs.cluster_name
  ecs_service_name       = module.ecs.service_name
  ecs_task_role_arn      = module.ecs.task_role_arn
  ecs_execution_role_arn = module.ecs.execution_role_arn

  tag_policy_parameter_name       = local.tag_policy_parameter_name
  state_bucket_name               = module.state_bucket.bucket
  report_bucket_name              = module.report_bucket.bucket
  remediation_audit_bucket_name   = one(module.remediation[*].audit_bucket_name)
  remediation_automation_role_arn = local.remediation_automation_role_arn
  fleet_check_bucket_name         = one(module.fleet_check[*].output_bucket_name)
  fleet_check_output_prefix       = one(module.fleet_check[*].output_prefix)
  fleet_check_member_role_name    = one(module.fleet_check[*].member_role_name)
}

output "github_role_arns" {
  description = "ARN of each GitHub Actions role of this root, by kind (also set as the repository and environment variables the workflows read)."
  value       = module.github_oidc.role_arns
}

output "github_role_subjects" {
  description = "The exact OIDC sub claims each role accepts, by kind."
  value       = module.github_oidc.subjects
}
