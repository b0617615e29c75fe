output "function_arn" {
  description = "ARN of the finding-alert Lambda function."
  value       = module.function.function_arn
}

output "function_name" {
  description = "Name of the finding-alert Lambda function."
  value       = module.function.function_name
}

output "rule_arns" {
  description = "ARNs of the EventBridge rules that invoke the function, by source (securityhub, inspector2)."
  value = {
    securityhub = aws_cloudwatch_event_rule.securityhub.arn
    inspector2  = aws_cloudwatch_event_rule.inspector2.arn
  }
}

output "topic_arn" {
  description = "ARN of the SNS topic the alerts are published to (message attribute owner carries the owner tag's value)."
  value       = aws_sns_topic.alerts.arn
}

output "table_name" {
  description = "Name of the DynamoDB table of sent alerts (dedupe)."
  value       = aws_dynamodb_table.alerts.name
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
  description = "ARN of the dead-letter queue receiving events the function failed on after its retries."
  value       = module.function.dead_letter_queue_arn
}
