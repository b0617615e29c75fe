output "name" {
  description = "Name of the parameter (the auto-tag module's tag_policy_parameter)."
  value       = aws_ssm_parameter.this.name
}

output "arn" {
  description = "ARN of the parameter."
  value       = aws_ssm_parameter.this.arn
}

output "sha256" {
  description = "SHA-256 of the policy text the parameter holds, as tags publish reports it."
  value       = sha256(local.text)
}
