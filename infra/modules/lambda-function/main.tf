# One assetguard Lambda's plumbing, shared by modules/auto-tag and modules/finding-alert: the
# committed bundle zipped, its log group, the function (arm64, Node.js), asynchronous retries
# and a dead-letter queue, and an execution role that only Lambda assumes and that may write
# only its own logs (and send to its own queue). The calling module attaches the policy of the
# calls its handler makes to role_name, and wires its triggers to function_arn.

data "aws_caller_identity" "current" {}

locals {
  # A variable default cannot refer to path.module.
  bundle_dir = coalesce(var.bundle_dir, "${path.module}/../../../actions/dist/lambda/${var.name}")

  log_group_name = "/aws/lambda/${var.function_name}"
}

# --- code -------------------------------------------------------------------------------------

# The committed bundle (npm run build; npm run check-dist keeps it in step with the source).
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
  description   = var.description
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
    variables = var.environment
  }

  dynamic "dead_letter_config" {
    for_each = var.create_dead_letter_queue ? [1] : []
    content {
      target_arn = aws_sqs_queue.dead_letter[0].arn
    }
  }

  tags = var.tags

  # The log group exists (with its retention) before the first invocation could create it.
  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.logs,
    aws_iam_role_policy.dead_letter,
  ]
}

# EventBridge invokes asynchronously: Lambda retries a throw and then sends the event to the
# dead-letter queue.
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = 3600
}

resource "aws_sqs_queue" "dead_letter" {
  count = var.create_dead_letter_queue ? 1 : 0

  name                      = "${var.function_name}-dlq"
  message_retention_seconds = 1209600 # 14 days, the maximum
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn

  tags = var.tags
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
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.function_name
  description        = "Execution role of the assetguard ${var.name} Lambda."
  assume_role_policy = data.aws_iam_policy_document.trust.json

  tags = var.tags
}

# What AWSLambdaBasicExecutionRole grants, scoped to this function's log group (created above,
# so logs:CreateLogGroup is not needed).
resource "aws_iam_role_policy" "logs" {
  name = "assetguard-${var.name}-logs"
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
  count = var.create_dead_letter_queue ? 1 : 0

  name = "assetguard-${var.name}-dead-letter"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "SendToDeadLetterQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.dead_letter[0].arn
      },
    ]
  })
}
