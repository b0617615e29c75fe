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
  # A variable default cannot refer to path.module.
  bundle_dir = coalesce(var.bundle_dir, "${path.module}/../../../actions/dist/lambda/finding-alert")

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

  log_group_name = "/aws/lambda/${var.function_name}"
}

# --- code -------------------------------------------------------------------------------------

# The committed ncc bundle (npm run build; npm run check-dist keeps it in step with the source).
data "archive_file" "bundle" {
  type        = "zip"
  source_dir  = local.bundle_dir
  output_path = "${path.root}/.terraform/assetguard/${var.function_name}.zip"
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days

  tags = var.tags
}

resource "aws_lambda_function" "this" {
  function_name = var.function_name
  description   = "assetguard: alerts owners of new Security Hub and Inspector findings at or above the policy's alert severity."
  role          = aws_iam_role.this.arn

  filename         = data.archive_file.bundle.output_path
  source_code_hash = data.archive_file.bundle.output_base64sha256
  runtime          = var.runtime
  handler          = "index.handler"
  architectures    = ["arm64"]
  timeout          = var.timeout
  memory_size      = var.memory_size

  reserved_concurrent_executions = var.reserved_concurrent_executions

  environment {
    variables = merge(
      {
        ASSETGUARD_ALERT_TABLE     = aws_dynamodb_table.alerts.name
        ASSETGUARD_ALERT_TOPIC_ARN = aws_sns_topic.alerts.arn
      },
      var.policy_parameter == null ? {} : { ASSETGUARD_POLICY_PARAMETER = var.policy_parameter },
      var.slack_webhook_parameter == null ? {} : { ASSETGUARD_SLACK_WEBHOOK_PARAMETER = var.slack_webhook_parameter },
    )
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letter.arn
  }

  tags = var.tags

  # The log group exists (with its retention) before the first invocation could create it.
  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.logs,
    aws_iam_role_policy.dead_letter,
  ]
}

# EventBridge invokes asynchronously: Lambda retries a throw (malformed event, unreadable policy,
# a send that failed) and then sends the event to the dead-letter queue.
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = 3600
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.function_name}-dlq"
  message_retention_seconds = 1209600 # 14 days, the maximum
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn

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

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "LambdaAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.function_name
  description        = "Execution role of the assetguard finding-alert Lambda."
  assume_role_policy = data.aws_iam_policy_document.trust.json

  tags = var.tags
}

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
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.finding_alert.json
}

# What AWSLambdaBasicExecutionRole grants, scoped to this function's log group (created above,
# so logs:CreateLogGroup is not needed).
resource "aws_iam_role_policy" "logs" {
  name = "assetguard-finding-alert-logs"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.this.arn}:*"
      },
    ]
  })
}

resource "aws_iam_role_policy" "dead_letter" {
  name = "assetguard-finding-alert-dead-letter"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "SendToDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.dead_letter.arn
      },
    ]
  })
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
  arn       = aws_lambda_function.this.arn
}

resource "aws_cloudwatch_event_target" "inspector2" {
  rule      = aws_cloudwatch_event_rule.inspector2.name
  target_id = "finding-alert-lambda"
  arn       = aws_lambda_function.this.arn
}

resource "aws_lambda_permission" "securityhub" {
  statement_id  = "AllowSecurityHubRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.securityhub.arn
}

resource "aws_lambda_permission" "inspector2" {
  statement_id  = "AllowInspector2Rule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.inspector2.arn
}
