# The auto-tag Lambda (docs/auto-tag.md): an EventBridge rule on the default bus sends the
# "AWS API Call via CloudTrail" events of the supported creation calls to the function, which
# tags the new resource from the tag policy in SSM Parameter Store.
#
# The SSM parameter itself is NOT created here: `tags publish` (the tag-policy action) owns it,
# and a Terraform-managed copy would fight every publish.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  # A variable default cannot refer to path.module.
  bundle_dir = coalesce(var.bundle_dir, "${path.module}/../../../actions/dist/lambda/auto-tag")

  partition = data.aws_partition.current.partition
  # aws_region.name is deprecated in provider 6 (id works in 5 and 6).
  region  = data.aws_region.current.id
  account = data.aws_caller_identity.current.account_id

  # Hierarchical names (/assetguard/tag-policy) already start with "/"; plain names do not.
  parameter_arn = "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter/${trimprefix(var.tag_policy_parameter, "/")}"

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
  description   = "assetguard: tags resources at creation from the tag policy in ${var.tag_policy_parameter}."
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
    variables = {
      ASSETGUARD_TAG_POLICY_PARAMETER = var.tag_policy_parameter
    }
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

# EventBridge invokes asynchronously: Lambda retries a throw (unreadable policy) and then
# sends the event to the dead-letter queue.
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = 3600
}

resource "aws_sqs_queue" "dead_letter" {
  count = var.create_dead_letter_queue ? 1 : 0

  name                      = "${var.function_name}-dlq"
  message_retention_seconds = 1209600 # 14 days, the maximum
  sqs_managed_sse_enabled   = true

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
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.function_name
  description        = "Execution role of the assetguard auto-tag Lambda."
  assume_role_policy = data.aws_iam_policy_document.trust.json

  tags = var.tags
}

# The policy of docs/auto-tag.md, with the SSM read scoped to this region's and account's
# parameter (the docs show it with * for region and account). __tests__/infra/auto-tag.test.ts
# checks the file equals the docs' JSON block.
resource "aws_iam_role_policy" "auto_tag" {
  name = "assetguard-auto-tag"
  role = aws_iam_role.this.id
  policy = templatefile("${path.module}/policies/auto-tag.json", {
    parameter_arn = local.parameter_arn
  })
}

# What AWSLambdaBasicExecutionRole grants, scoped to this function's log group (created above,
# so logs:CreateLogGroup is not needed).
resource "aws_iam_role_policy" "logs" {
  name = "assetguard-auto-tag-logs"
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

  name = "assetguard-auto-tag-dead-letter"
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

# --- EventBridge ------------------------------------------------------------------------------

# policies/event-pattern.json is eventPattern() from actions/src/lambda/auto-tag/events.ts;
# a test fails when the two differ.
resource "aws_cloudwatch_event_rule" "this" {
  name          = var.function_name
  description   = "assetguard auto-tag: CloudTrail creation calls of the supported resource types."
  event_pattern = file("${path.module}/policies/event-pattern.json")

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "auto-tag-lambda"
  arn       = aws_lambda_function.this.arn
}

resource "aws_lambda_permission" "events" {
  statement_id  = "AllowEventBridgeRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this.arn
}
