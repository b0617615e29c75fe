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

output "remediate_role_arn" {
  description = "Set this as the variable REMEDIATION_ROLE_ARN of the remediation environment: the role its approved jobs assume."
  value       = module.github_oidc.remediate_role_arn
}

output "remediation_automation_role_arn" {
  description = "Set this as the repository variable REMEDIATION_AUTOMATION_ROLE_ARN: the role SSM Automation runs the runbooks as."
  value       = module.remediation.automation_role_arn
}

output "remediation_audit_bucket" {
  description = "Set this as the repository variable REMEDIATION_AUDIT_BUCKET: where every remediation run appends its audit record."
  value       = module.remediation.audit_bucket_name
}

output "fleet_check_role_arn" {
  description = "The role the scheduled fleet check assumes (the central role every member account's fleet-check role trusts)."
  value       = module.github_oidc.fleet_check_role_arn
}

output "fleet_check_output_bucket" {
  description = "The fleet-check action's output-bucket input."
  value       = module.fleet_check.output_bucket_name
}

output "ssm_role_fixer_topic_arn" {
  description = "SNS topic of the ssm-role-fixer's reports; subscribe more endpoints to it."
  value       = module.ssm_role_fixer.topic_arn
}
