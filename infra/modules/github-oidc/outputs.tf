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

output "remediate_role_arn" {
  description = "ARN of the role the remediate workflow assumes in the remediation environment: set it as that environment's variable REMEDIATION_ROLE_ARN."
  value       = aws_iam_role.remediate.arn
}

output "remediate_subject" {
  description = "The only OIDC sub claim allowed to assume the remediate role."
  value       = local.remediate_subject
}

output "fleet_check_role_arn" {
  description = "ARN of the role the scheduled fleet check assumes; each member account's fleet-check role (modules/fleet-check) trusts it."
  value       = aws_iam_role.fleet_check.arn
}

output "fleet_check_subject" {
  description = "The only OIDC sub claim allowed to assume the fleet-check role."
  value       = local.fleet_check_subject
}
