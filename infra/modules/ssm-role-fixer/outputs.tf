output "function_arn" {
  description = "ARN of the ssm-role-fixer Lambda function."
  value       = module.function.function_arn
}

output "function_name" {
  description = "Name of the ssm-role-fixer Lambda function."
  value       = module.function.function_name
}

output "rule_arns" {
  description = "ARNs of the EventBridge rules that invoke the function: state_change (instances entering running) and api_calls (CloudTrail AssociateIamInstanceProfile / ReplaceIamInstanceProfileAssociation)."
  value = {
    state_change = aws_cloudwatch_event_rule.state_change.arn
    api_calls    = aws_cloudwatch_event_rule.api_calls.arn
  }
}

output "topic_arn" {
  description = "ARN of the SNS topic the reports are published to (created here unless topic_arn was given)."
  value       = local.topic_arn
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
