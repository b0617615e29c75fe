output "repository_name" {
  description = "Name of the ECR repository."
  value       = aws_ecr_repository.app.name
}

output "repository_arn" {
  description = "ARN of the ECR repository."
  value       = aws_ecr_repository.app.arn
}

output "repository_url" {
  description = "Repository URL (registry/name) to tag and push images with."
  value       = aws_ecr_repository.app.repository_url
}

output "registry_id" {
  description = "Registry (account) ID that holds the repository."
  value       = aws_ecr_repository.app.registry_id
}

output "scan_type" {
  description = "Registry scan type; ENHANCED means findings come from Amazon Inspector."
  value       = aws_ecr_registry_scanning_configuration.this.scan_type
}

output "ecr_public_cache_prefix" {
  description = "Prefix under which the registry serves Amazon ECR Public images (null without the pull-through cache rule)."
  value       = try(aws_ecr_pull_through_cache_rule.ecr_public[0].ecr_repository_prefix, null)
}
