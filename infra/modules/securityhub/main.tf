# AWS Security Hub for this account and region, with consolidated control findings
# (SECURITY_CONTROL): one finding per control and resource, whatever the standards, with the
# control id (S3.8, EC2.13) in Compliance.SecurityControlId, which is what the compliance gate
# (--source securityhub) and the control mapping table key on. The standards are subscribed
# explicitly (AWS Foundational Security Best Practices, CIS AWS Foundations Benchmark v3.0.0)
# instead of Security Hub's defaults, which include the older CIS v1.2.0.

data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # aws_region.name is deprecated in provider 6 (id works in 5 and 6).
  region = data.aws_region.current.id

  # Standards ARNs are regional (only CIS v1.2.0's, ruleset/..., is not; it is not used here).
  standards_arns = {
    aws-foundational-security-best-practices = "arn:${local.partition}:securityhub:${local.region}::standards/aws-foundational-security-best-practices/v/1.0.0"
    cis-aws-foundations-benchmark            = "arn:${local.partition}:securityhub:${local.region}::standards/cis-aws-foundations-benchmark/v/3.0.0"
  }
}

resource "aws_securityhub_account" "this" {
  enable_default_standards  = false
  control_finding_generator = "SECURITY_CONTROL"
  auto_enable_controls      = true
}

resource "aws_securityhub_standards_subscription" "this" {
  for_each = local.standards_arns

  standards_arn = each.value

  depends_on = [aws_securityhub_account.this]
}
