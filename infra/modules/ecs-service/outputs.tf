output "cluster_name" {
  description = "ECS cluster name (the deploy workflow's ECS_CLUSTER)."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ECS cluster ARN."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "ECS service name (the deploy workflow's ECS_SERVICE)."
  value       = aws_ecs_service.this.name
}

output "task_family" {
  description = "Task definition family (the deploy workflow's ECS_TASK_FAMILY): each deploy registers a revision of it."
  value       = aws_ecs_task_definition.this.family
}

output "container_name" {
  description = "Name of the app container (the deploy workflow's ECS_CONTAINER_NAME): the one whose image a deploy replaces."
  value       = var.container_name
}

output "task_role_arn" {
  description = "Role of the containers (AMP remote write, X-Ray put); the deploy role may pass it."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "Role ECS starts the task with (ECR pull, logs, the database secret); the deploy role may pass it."
  value       = aws_iam_role.execution.arn
}

output "alb_dns_name" {
  description = "DNS name of the load balancer (point the portal's DNS record at it)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer, for a Route 53 alias record."
  value       = aws_lb.this.zone_id
}

output "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (its CloudWatch LoadBalancer dimension)."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (its CloudWatch TargetGroup dimension)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "alb_security_group_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.alb.id
}

output "tasks_security_group_id" {
  description = "Security group of the tasks (the database admits it)."
  value       = aws_security_group.tasks.id
}

output "log_group_name" {
  description = "CloudWatch Logs group of both containers (stream prefixes app and otel)."
  value       = aws_cloudwatch_log_group.this.name
}
