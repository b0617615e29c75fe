output "hub_arn" {
  description = "ARN of the Security Hub hub of this account and region."
  value       = aws_securityhub_account.this.arn
}

output "standards_subscription_arns" {
  description = "ARN of each standards subscription, by standard."
  value       = { for key, subscription in aws_securityhub_standards_subscription.this : key => subscription.id }
}
