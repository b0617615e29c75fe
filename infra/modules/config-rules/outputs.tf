output "recorder_name" {
  description = "Name of the configuration recorder."
  value       = aws_config_configuration_recorder.this.name
}

output "bucket_name" {
  description = "Name of the bucket the delivery channel writes to."
  value       = module.bucket.bucket
}

output "rule_names" {
  description = "Names of the managed rules (the table's configRuleName values): what compliance-gate's --rules and compliance.rules name."
  value       = sort([for rule in aws_config_config_rule.managed : rule.name])
}

output "rule_arns" {
  description = "ARN of each managed rule, by name."
  value       = { for name, rule in aws_config_config_rule.managed : name => rule.arn }
}

output "remediation_rule_names" {
  description = "Rules with a runbook remediation configured (manual: Config runs it only when asked)."
  value       = sort(keys(aws_config_remediation_configuration.this))
}
