output "environments" {
  description = "Name of each environment created (deployable from var.deployment_branch only and, where required, with reviewers), by name: pass these to github-oidc so a role trusts only environments that exist with protection. Read from the branch policies, so a role that trusts one is created only after its policy exists (never while every branch could deploy)."
  value       = { for name, policy in github_repository_environment_deployment_policy.main : name => policy.environment }
}

output "repository_variable_names" {
  description = "Names of the repository variables set."
  value       = sort(keys(github_actions_variable.this))
}
