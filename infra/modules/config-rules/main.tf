# AWS Config for one account and region: the recorder (every supported resource type; the
# global ones, IAM, in one region only), its delivery channel to an encrypted bucket (bucket.tf),
# the recorder switched on, the managed rules of the control mapping table
# (actions/src/core/controls.json, rules.tf) and the runbook remediations the table maps
# (remediation.tf).
#
# A region holds one recorder and one delivery channel: apply this module once per account and
# region (modules/stack does it behind account_baseline).

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # aws_region.name is deprecated in provider 6 (id works in 5 and 6).
  region  = data.aws_region.current.id
  account = data.aws_caller_identity.current.account_id

  # IAM users, roles, policies and groups are global: recorded in every region they would be
  # counted (and billed) once per region. null means this region records them.
  records_global_types = var.global_resource_types_region == null || var.global_resource_types_region == local.region

  # A variable default cannot refer to path.module.
  controls_file = coalesce(var.controls_file, "${path.module}/../../../actions/src/core/controls.json")
  table         = jsondecode(file(local.controls_file))

  # What the table asks for, to hold rules.tf and remediation.tf to it at plan time.
  table_identifiers = sort(concat(
    [for control in local.table.controls : control.configRuleIdentifier if control.configRuleIdentifier != null],
    [for rule in local.table.otherRules : rule.configRuleIdentifier],
  ))
  table_rule_names = merge(
    { for control in local.table.controls : control.configRuleIdentifier => control.configRuleName if control.configRuleIdentifier != null },
    { for rule in local.table.otherRules : rule.configRuleIdentifier => rule.configRuleName },
  )
  table_documents = {
    for control in local.table.controls : control.configRuleName => control.remediation.document
    if control.remediation.document != null
  }
}

# --- recorder ---------------------------------------------------------------------------------

data "aws_iam_policy_document" "config_trust" {
  statement {
    sid     = "ConfigOfThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["config.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "config" {
  name               = "${var.name}-config-recorder"
  description        = "Assumed by AWS Config to record this account's resources and deliver them to ${module.bucket.bucket}."
  assume_role_policy = data.aws_iam_policy_document.config_trust.json

  tags = var.tags
}

# The read permissions Config needs to describe every supported resource type.
resource "aws_iam_role_policy_attachment" "config" {
  role       = aws_iam_role.config.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWS_ConfigRole"
}

# Delivery with a role (not the service-linked one) is authorized by the role's own policy.
data "aws_iam_policy_document" "delivery" {
  statement {
    sid       = "CheckBucketAcl"
    effect    = "Allow"
    actions   = ["s3:GetBucketAcl"]
    resources = [module.bucket.arn]
  }

  statement {
    sid       = "DeliverSnapshotsAndHistory"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${module.bucket.arn}/${local.key_prefix}/AWSLogs/${local.account}/Config/*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "EncryptDeliveries"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "delivery" {
  name   = "${var.name}-config-delivery"
  role   = aws_iam_role.config.id
  policy = data.aws_iam_policy_document.delivery.json
}

resource "aws_config_configuration_recorder" "this" {
  name     = "${var.name}-recorder"
  role_arn = aws_iam_role.config.arn

  recording_group {
    all_supported                 = true
    include_global_resource_types = local.records_global_types
  }

  recording_mode {
    recording_frequency = "CONTINUOUS"
  }

  lifecycle {
    # The rules and remediations are written out (rules.tf, remediation.tf) so a review sees
    # them; these checks stop a plan when the table has moved on without them.
    precondition {
      condition     = sort(values(local.managed_rules)) == local.table_identifiers
      error_message = "config-rules: the managed rules of rules.tf are not exactly the configRuleIdentifier values of ${local.controls_file}: add or remove rules to match the table."
    }
    precondition {
      condition     = alltrue([for name, identifier in local.managed_rules : lookup(local.table_rule_names, identifier, null) == name])
      error_message = "config-rules: a rule of rules.tf is not named with the table's configRuleName for its identifier; the compliance gate resolves rules by that name."
    }
    precondition {
      condition = (
        sort(keys(local.remediations)) == sort(keys(local.table_documents)) &&
        alltrue([for name, document in local.table_documents : local.remediations[name].document == document])
      )
      error_message = "config-rules: the remediations of remediation.tf are not exactly the runbooks of ${local.controls_file}."
    }
  }
}

resource "aws_config_delivery_channel" "this" {
  name           = "${var.name}-delivery"
  s3_bucket_name = module.bucket.bucket
  s3_key_prefix  = local.key_prefix
  s3_kms_key_arn = var.kms_key_arn

  snapshot_delivery_properties {
    delivery_frequency = var.snapshot_delivery_frequency
  }

  # Config checks that it can write to the bucket when the channel is created.
  depends_on = [
    aws_config_configuration_recorder.this,
    aws_iam_role_policy.delivery,
    aws_s3_bucket_policy.config,
  ]
}

resource "aws_config_configuration_recorder_status" "this" {
  name       = aws_config_configuration_recorder.this.name
  is_enabled = true

  # A recorder cannot start without a delivery channel.
  depends_on = [aws_config_delivery_channel.this]
}
