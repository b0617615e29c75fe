# The finding-alert Lambda (docs/finding-alert.md): EventBridge rules on the default bus send
# Security Hub "Findings - Imported" and Inspector2 "Finding" events at or above alert_severity
# to the function, which alerts the resource's owner on Slack and through an SNS topic (email
# subscriptions filtered per owner), once per finding update (a DynamoDB table remembers them).
#
# The SSM parameters (the policy, the Slack webhook SecureString) are NOT created here: `tags
# publish` owns the policy, and a webhook URL in Terraform would sit in the state.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # aws_region.name is deprecated in provider 6 (id works in 5 and 6).
  region  = data.aws_region.current.id
  account = data.aws_caller_identity.current.account_id

  parameter_arn_prefix = "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter/"
  # Hierarchical names (/assetguard/tag-policy) already start with "/"; plain names do not.
  parameter_arns = [
    for name in compact([var.policy_parameter, var.slack_webhook_parameter]) :
    "${local.parameter_arn_prefix}${trimprefix(name, "/")}"
  ]

  # Most severe first, as actions/src/core/model.ts SEVERITIES; the rules deliver this prefix.
  severity_order   = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED"]
  alert_severities = slice(local.severity_order, 0, index(local.severity_order, var.alert_severity) + 1)

  # One subscription per (owner, address).
  email_subscriptions = {
    for pair in flatten([
      for owner, emails in var.owner_emails : [for email in emails : { owner = owner, email = email }]
    ]) : "${pair.owner} ${pair.email}" => pair
  }
}

# The bundle actions/dist/lambda/finding-alert, its log group, role, retries and dead-letter
# queue. EventBridge invokes asynchronously: Lambda retries a throw (malformed event, unreadable
# policy, a send that failed) and then sends the event to the dead-letter queue.
module "function" {
  source = "../lambda-function"

  name          = "finding-alert"
  function_name = var.function_name
  description   = "assetguard: alerts owners of new Security Hub and Inspector findings at or above the policy's alert severity."
  bundle_dir    = var.bundle_dir

  runtime                        = var.runtime
  timeout                        = var.timeout
  memory_size                    = var.memory_size
  reserved_concurrent_executions = var.reserved_concurrent_executions
  log_retention_days             = var.log_retention_days
  maximum_retry_attempts         = var.maximum_retry_attempts
  create_dead_letter_queue       = true
  kms_key_arn                    = var.kms_key_arn

  environment = merge(
    {
      ASSETGUARD_ALERT_TABLE     = aws_dynamodb_table.alerts.name
      ASSETGUARD_ALERT_TOPIC_ARN = aws_sns_topic.alerts.arn
    },
    var.policy_parameter == null ? {} : { ASSETGUARD_POLICY_PARAMETER = var.policy_parameter },
    var.slack_webhook_parameter == null ? {} : { ASSETGUARD_SLACK_WEBHOOK_PARAMETER = var.slack_webhook_parameter },
  )

  tags = var.tags
}

# --- dedupe and delivery ------------------------------------------------------------------------

# One item per (finding id, update time, sink), claimed with a conditional PutItem and expired
# by TTL after 30 days (DEDUPE_DAYS in actions/src/lambda/finding-alert/handler.ts).
resource "aws_dynamodb_table" "alerts" {
  name         = "${var.function_name}-sent"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  # Without a key ARN, DynamoDB uses the AWS managed key aws/dynamodb.
  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = var.table_deletion_protection

  tags = var.tags
}

resource "aws_sns_topic" "alerts" {
  name              = "${var.function_name}-alerts"
  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns")

  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = local.email_subscriptions

  topic_arn           = aws_sns_topic.alerts.arn
  protocol            = "email"
  endpoint            = each.value.email
  filter_policy_scope = "MessageAttributes"
  filter_policy       = jsonencode({ owner = [each.value.owner] })
}

# --- IAM --------------------------------------------------------------------------------------

# Exactly the calls the handler makes (__tests__/infra/finding-alert.test.ts compares them with
# the permissions the code names), each on its one resource.
data "aws_iam_policy_document" "finding_alert" {
  statement {
    sid       = "ClaimAlerts"
    effect    = "Allow"
    actions   = ["dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.alerts.arn]
  }

  statement {
    sid       = "PublishAlerts"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
  }

  # GetResources takes no resource-level permission.
  statement {
    sid       = "ReadOwnerTags"
    effect    = "Allow"
    actions   = ["tag:GetResources"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = length(local.parameter_arns) > 0 ? [1] : []
    content {
      sid       = "ReadParameters"
      effect    = "Allow"
      actions   = ["ssm:GetParameter"]
      resources = local.parameter_arns
    }
  }

  dynamic "statement" {
    for_each = var.slack_webhook_kms_key_arn == null ? [] : [1]
    content {
      sid       = "DecryptSlackWebhook"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [var.slack_webhook_kms_key_arn]
    }
  }

  # SNS, DynamoDB and SQS use the key on the role's behalf.
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [1]
    content {
      sid       = "UseAlertKey"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "finding_alert" {
  name   = "assetguard-finding-alert"
  role   = module.function.role_name
  policy = data.aws_iam_policy_document.finding_alert.json
}

# --- EventBridge ------------------------------------------------------------------------------

# policies/*-pattern.json.tftpl are eventPatterns() of actions/src/lambda/finding-alert/events.ts with
# the severities filled in; a test fails when they differ.
resource "aws_cloudwatch_event_rule" "securityhub" {
  name          = "${var.function_name}-securityhub"
  description   = "assetguard finding-alert: Security Hub findings imported, ${var.alert_severity} and above, active and new."
  event_pattern = templatefile("${path.module}/policies/securityhub-pattern.json.tftpl", { severities = jsonencode(local.alert_severities) })

  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "inspector2" {
  name          = "${var.function_name}-inspector2"
  description   = "assetguard finding-alert: Inspector2 findings, ${var.alert_severity} and above, active."
  event_pattern = templatefile("${path.module}/policies/inspector2-pattern.json.tftpl", { severities = jsonencode(local.alert_severities) })

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "securityhub" {
  rule      = aws_cloudwatch_event_rule.securityhub.name
  target_id = "finding-alert-lambda"
  arn       = module.function.function_arn
}

resource "aws_cloudwatch_event_target" "inspector2" {
  rule      = aws_cloudwatch_event_rule.inspector2.name
  target_id = "finding-alert-lambda"
  arn       = module.function.function_arn
}

resource "aws_lambda_permission" "securityhub" {
  statement_id  = "AllowSecurityHubRule"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.securityhub.arn
}

resource "aws_lambda_permission" "inspector2" {
  statement_id  = "AllowInspector2Rule"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.inspector2.arn
}
