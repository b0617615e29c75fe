output "function_arn" {
  description = "ARN of the auto-tag Lambda function."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the auto-tag Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "rule_arn" {
  description = "ARN of the EventBridge rule that invokes the function."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function's JSON log lines."
  value       = aws_cloudwatch_log_group.this.name
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue, or null when create_dead_letter_queue is false."
  value       = var.create_dead_letter_queue ? aws_sqs_queue.dead_letter[0].arn : null
}

output "trail_arn" {
  description = "ARN of the CloudTrail trail created here, or null when create_trail is false."
  value       = var.create_trail ? aws_cloudtrail.this[0].arn : null
}
