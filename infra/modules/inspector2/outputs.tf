output "account_id" {
  description = "The account Inspector was enabled for."
  value       = data.aws_caller_identity.current.account_id
}

output "resource_types" {
  description = "The scan types enabled."
  value       = aws_inspector2_enabler.this.resource_types
}
