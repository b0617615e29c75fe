output "aws_region" {
  description = "Region of the environment (the repository variable AWS_REGION)."
  value       = module.stack.aws_region
}

output "ecr_repository_name" {
  description = "ECR repository of the app image (the repository variable ECR_REPOSITORY)."
  value       = module.stack.ecr_repository_name
}

output "ecr_repository_url" {
  description = "Repository URL to tag and push the app image with."
  value       = module.stack.ecr_repository_url
}

output "cluster_name" {
  description = "ECS cluster (the environment variable ECS_CLUSTER)."
  value       = module.stack.cluster_name
}

output "service_name" {
  description = "ECS service (the environment variable ECS_SERVICE)."
  value       = module.stack.service_name
}

output "task_family" {
  description = "Task definition family (the environment variable ECS_TASK_FAMILY)."
  value       = module.stack.task_family
}

output "container_name" {
  description = "App container a deploy replaces the image of (the environment variable ECS_CONTAINER_NAME)."
  value       = module.stack.container_name
}

output "alb_dns_name" {
  description = "Load balancer DNS name: point the portal's host name (the certificate's) at it."
  value       = module.stack.alb_dns_name
}

output "report_bucket" {
  description = "Bucket of the daily report's pages."
  value       = module.stack.report_bucket
}

output "state_bucket" {
  description = "Bucket of the daily report's state."
  value       = module.stack.state_bucket
}
