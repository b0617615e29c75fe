output "automation_role_arn" {
  description = "ARN of the role SSM Automation assumes: the remediate workflow's automation-assume-role input."
  value       = aws_iam_role.automation.arn
}

output "automation_role_name" {
  description = "Name of the role SSM Automation assumes."
  value       = aws_iam_role.automation.name
}

output "audit_bucket_name" {
  description = "Name of the bucket the remediation audit records are appended to."
  value       = aws_s3_bucket.audit.id
}

output "audit_location" {
  description = "Where the remediate workflow appends audit records and the daily report reads them: its audit input."
  value       = "s3://${aws_s3_bucket.audit.id}/${local.audit_prefix}/"
}
