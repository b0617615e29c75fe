output "function_arn" {
  description = "ARN of the auto-tag Lambda function."
  value       = module.function.function_arn
}

output "function_name" {
  description = "Name of the auto-tag Lambda function."
  value       = module.function.function_name
}

output "rule_arn" {
  description = "ARN of the EventBridge rule that invokes the function."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = module.function.role_arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function's JSON log lines."
  value       = module.function.log_group_name
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue, or null when create_dead_letter_queue is false."
  value       = module.function.dead_letter_queue_arn
}

output "trail_arn" {
  description = "ARN of the CloudTrail trail created here, or null when create_trail is false."
  value       = var.create_trail ? aws_cloudtrail.this[0].arn : null
}
