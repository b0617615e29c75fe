output "environments" {
  description = "Name of each environment created (with protected-branch deployment and, where required, reviewers), by name: pass these to github-oidc so a role trusts only environments that exist with protection."
  value       = { for name, environment in github_repository_environment.this : name => environment.environment }
}

output "repository_variable_names" {
  description = "Names of the repository variables set."
  value       = sort(keys(github_actions_variable.this))
}
