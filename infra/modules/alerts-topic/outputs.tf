output "topic_arn" {
  description = "ARN of the alerts topic."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the alerts topic."
  value       = aws_sns_topic.this.name
}

output "kms_key_arn" {
  description = "ARN of the topic's KMS key; a role that publishes to the topic needs kms:GenerateDataKey* and kms:Decrypt on it."
  value       = aws_kms_key.this.arn
}
