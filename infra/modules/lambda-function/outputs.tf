output "function_name" {
  description = "Name of the Lambda function (once it exists: triggers that refer to it wait for it)."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_name" {
  description = "Name of the function's execution role; the calling module attaches the policy of its handler's calls to it."
  value       = aws_iam_role.this.name
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
