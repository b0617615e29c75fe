output "aws_region" {
  description = "Region of the stack (the repository variable AWS_REGION)."
  value       = local.region
}

output "ecr_repository_name" {
  description = "ECR repository of the app image (the repository variable ECR_REPOSITORY)."
  value       = local.ecr_repository_name
}

output "ecr_repository_url" {
  description = "Repository URL (registry/name) to tag and push the app image with."
  value       = local.ecr_repository_url
}

output "vpc_id" {
  description = "VPC of the environment."
  value       = module.network.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets (tasks, database)."
  value       = module.network.private_subnet_ids
}

output "cluster_name" {
  description = "ECS cluster (the environment variable ECS_CLUSTER)."
  value       = module.ecs.cluster_name
}

output "service_name" {
  description = "ECS service (the environment variable ECS_SERVICE)."
  value       = module.ecs.service_name
}

output "task_family" {
  description = "Task definition family (the environment variable ECS_TASK_FAMILY)."
  value       = module.ecs.task_family
}

output "container_name" {
  description = "App container whose image a deploy replaces (the environment variable ECS_CONTAINER_NAME)."
  value       = module.ecs.container_name
}

output "alb_dns_name" {
  description = "DNS name of the portal's load balancer: point the portal's host name at it."
  value       = module.ecs.alb_dns_name
}

output "database_address" {
  description = "Host name of the portal's PostgreSQL (private)."
  value       = module.rds.address
}

output "database_secret_arn" {
  description = "Secrets Manager secret with the database master password (managed by RDS)."
  value       = module.rds.master_user_secret_arn
}

output "report_bucket" {
  description = "Bucket of the daily report's pages."
  value       = module.report_bucket.bucket
}

output "state_bucket" {
  description = "Bucket of the daily report's state (deltas against yesterday)."
  value       = module.state_bucket.bucket
}
