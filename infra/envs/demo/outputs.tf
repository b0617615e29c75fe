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

output "auto_tag_function_arn" {
  description = "ARN of the auto-tag Lambda function."
  value       = module.auto_tag.function_arn
}

output "auto_tag_rule_arn" {
  description = "ARN of the EventBridge rule that sends creation events to the auto-tag Lambda."
  value       = module.auto_tag.rule_arn
}

output "finding_alert_topic_arn" {
  description = "SNS topic of the finding alerts (message attribute owner); subscribe more endpoints with a filter policy on it."
  value       = module.finding_alert.topic_arn
}
