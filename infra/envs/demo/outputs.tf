output "role_arn" {
  description = "Set this as the repository variable AWS_ROLE_ARN (Settings > Secrets and variables > Actions > Variables)."
  value       = module.github_oidc.role_arn
}

output "repository_url" {
  description = "ECR repository URL the deploy workflow pushes the app image to."
  value       = module.ecr_scanning.repository_url
}

output "repository_name" {
  description = "Set this as the repository variable ECR_REPOSITORY."
  value       = module.ecr_scanning.repository_name
}

output "aws_region" {
  description = "Set this as the repository variable AWS_REGION."
  value       = var.aws_region
}
