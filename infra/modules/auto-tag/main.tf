# The auto-tag Lambda (docs/auto-tag.md): an EventBridge rule on the default bus sends the
# "AWS API Call via CloudTrail" events of the supported creation calls to the function, which
# tags the new resource from the tag policy in SSM Parameter Store.
#
# The SSM parameter itself is not created here: modules/tag-policy-parameter holds the
# repository's policy file in it, exactly as `tags publish` (the tag-policy action) writes it.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # aws_region.name is deprecated in provider 6 (id works in 5 and 6).
  region  = data.aws_region.current.id
  account = data.aws_caller_identity.current.account_id

  # Hierarchical names (/assetguard/tag-policy) already start with "/"; plain names do not.
  parameter_arn = "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter/${trimprefix(var.tag_policy_parameter, "/")}"
}

# The bundle actions/dist/lambda/auto-tag, its log group, role, retries and dead-letter queue.
# EventBridge invokes asynchronously: Lambda retries a throw (unreadable policy) and then sends
# the event to the dead-letter queue.
module "function" {
  source = "../lambda-function"

  name          = "auto-tag"
  function_name = var.function_name
  description   = "assetguard: tags resources at creation from the tag policy in ${var.tag_policy_parameter}."
  bundle_dir    = var.bundle_dir

  runtime                        = var.runtime
  timeout                        = var.timeout
  memory_size                    = var.memory_size
  reserved_concurrent_executions = var.reserved_concurrent_executions
  log_retention_days             = var.log_retention_days
  maximum_retry_attempts         = var.maximum_retry_attempts
  create_dead_letter_queue       = var.create_dead_letter_queue

  environment = {
    ASSETGUARD_TAG_POLICY_PARAMETER = var.tag_policy_parameter
  }

  tags = var.tags
}

# The policy of docs/auto-tag.md, with the SSM read scoped to this region's and account's
# parameter (the docs show it with * for region and account). __tests__/infra/auto-tag.test.ts
# checks the file equals the docs' JSON block.
resource "aws_iam_role_policy" "auto_tag" {
  name = "assetguard-auto-tag"
  role = module.function.role_name
  policy = templatefile("${path.module}/policies/auto-tag.json", {
    parameter_arn = local.parameter_arn
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
  arn       = module.function.function_arn
}

resource "aws_lambda_permission" "events" {
  statement_id  = "AllowEventBridgeRule"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this.arn
}
