output "role_arns" {
  description = "ARN of each role created, by kind."
  value       = { for kind, role in aws_iam_role.github : kind => role.arn }
}

output "role_names" {
  description = "Name of each role created, by kind."
  value       = { for kind, role in aws_iam_role.github : kind => role.name }
}

output "fleet_check_role_arn" {
  description = "ARN of the fleet-check role (the central role each member account's fleet-check role trusts), or null without that kind."
  value       = try(aws_iam_role.github["fleet-check"].arn, null)
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the roles trust (created here or looked up)."
  value       = local.oidc_provider_arn
}

output "subjects" {
  description = "The exact OIDC sub claims each role accepts, by kind."
  value       = local.subjects
}

output "github_variables" {
  description = "Where each role's ARN goes on GitHub, by kind: the variable name (permissions.json github_variable), its value, and the environment whose variable it is (a role trusted only for environment:<name>), or null for a repository variable."
  value = {
    for kind, role in local.known : kind => {
      name  = role.github_variable
      value = aws_iam_role.github[kind].arn
      environment = (
        length(role.subjects) == 1 && startswith(role.subjects[0], "environment:")
        ? trimprefix(local.rendered[role.subjects[0]], "environment:")
        : null
      )
    }
  }
}

output "policies" {
  description = "The rendered inline policy of each role, by kind (JSON), for review."
  value       = { for kind, document in data.aws_iam_policy_document.permissions : kind => document.json }
}
