output "role_arn" {
  description = "ARN of the role to put in the repository variable AWS_ROLE_ARN."
  value       = aws_iam_role.scan_gate.arn
}

output "role_name" {
  description = "Name of the scan gate role."
  value       = aws_iam_role.scan_gate.name
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the role trusts (created here or passed in)."
  value       = local.oidc_provider_arn
}

output "allowed_subjects" {
  description = "OIDC sub claim patterns allowed to assume the role."
  value       = local.allowed_subjects
}
