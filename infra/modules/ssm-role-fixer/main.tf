# The ssm-role-fixer Lambda (docs/ssm-role-fixer.md): EventBridge rules on the default bus send
# "EC2 Instance State-change Notification" (running) events and the CloudTrail records of
# AssociateIamInstanceProfile / ReplaceIamInstanceProfileAssociation to the function, which
# attaches AmazonSSMManagedInstanceCore to the role of the instance's profile when it lacks it
# (Security Hub SSM.1). It never replaces or disassociates a profile; the role below is not
# allowed to. What it cannot fix, and its own failures, go to an SNS topic and/or Slack.
#
# The CloudTrail rule receives events only while a trail records management events in the
# region (modules/auto-tag can create one). The Slack webhook SecureString is NOT created here:
# a webhook URL in Terraform would sit in the state.
#
# One account and one region per deployment: the rules see only this region's events, and the
# function refuses events of another account or region. Deploy it per region with a
# function_name of its own there: the execution role is named after it, and IAM names are global.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # aws_region.name is deprecated in provider 6 (id works in 5 and 6).
  region  = data.aws_region.current.id
  account = data.aws_caller_identity.current.account_id

  iam_prefix = "arn:${local.partition}:iam::${local.account}"
  # The one policy the function may attach: ssmPolicyArn() of actions/src/lambda/ssm-role-fixer/fixer.ts.
  ssm_policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"

  default_profile_name = coalesce(var.default_profile_name, var.default_role_name)
  default_role_arn     = "${local.iam_prefix}:role/${var.default_role_name}"
  default_profile_arn  = "${local.iam_prefix}:instance-profile/${local.default_profile_name}"

  topic_arn = var.topic_arn != null ? var.topic_arn : aws_sns_topic.reports[0].arn

  # Hierarchical names (/assetguard/slack-webhook) already start with "/"; plain names do not.
  slack_parameter_arn = (
    var.slack_webhook_parameter == null
    ? null
    : "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter/${trimprefix(var.slack_webhook_parameter, "/")}"
  )

  # A role name matches with or without a path (role/NAME, role/PATH/NAME).
  excepted_role_arns = flatten([
    for name in var.exception_role_names : ["${local.iam_prefix}:role/${name}", "${local.iam_prefix}:role/*/${name}"]
  ])
}

# The bundle actions/dist/lambda/ssm-role-fixer, its log group, role, retries and dead-letter
# queue. EventBridge invokes asynchronously: Lambda retries a throw (throttling, a report that
# reached no destination) and then sends the event to the dead-letter queue.
module "function" {
  source = "../lambda-function"

  name          = "ssm-role-fixer"
  function_name = var.function_name
  description   = "assetguard: gives EC2 instance roles AmazonSSMManagedInstanceCore (Security Hub SSM.1) without replacing instance profiles."
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
      ASSETGUARD_ALERT_TOPIC_ARN                  = local.topic_arn
      ASSETGUARD_SSM_FIXER_EXCEPTIONS             = join(",", var.exception_role_names)
      ASSETGUARD_SSM_FIXER_CREATE_DEFAULT_PROFILE = var.create_default_profile ? "true" : "false"
      ASSETGUARD_SSM_FIXER_DEFAULT_ROLE           = var.default_role_name
      ASSETGUARD_SSM_FIXER_DEFAULT_PROFILE        = local.default_profile_name
    },
    var.slack_webhook_parameter == null ? {} : { ASSETGUARD_SLACK_WEBHOOK_PARAMETER = var.slack_webhook_parameter },
  )

  tags = var.tags
}

# --- reports ------------------------------------------------------------------------------------

resource "aws_sns_topic" "reports" {
  count = var.topic_arn == null ? 1 : 0

  name              = "${var.function_name}-reports"
  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns")

  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.report_emails)

  topic_arn = local.topic_arn
  protocol  = "email"
  endpoint  = each.value
}

# --- IAM --------------------------------------------------------------------------------------

# Exactly the calls the handler makes (__tests__/infra/ssm-role-fixer.test.ts compares them with
# the permissions the code names), each on the narrowest resource IAM allows.
data "aws_iam_policy_document" "ssm_role_fixer" {
  # DescribeInstances and DescribeIamInstanceProfileAssociations take no resource-level
  # permission. The handler first checks that the event's instance exists.
  statement {
    sid       = "ReadInstances"
    effect    = "Allow"
    actions   = ["ec2:DescribeInstances"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadInstanceProfileAssociations"
    effect    = "Allow"
    actions   = ["ec2:DescribeIamInstanceProfileAssociations"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadInstanceProfiles"
    effect    = "Allow"
    actions   = ["iam:GetInstanceProfile"]
    resources = ["${local.iam_prefix}:instance-profile/*"]
  }

  statement {
    sid       = "ReadRolePolicies"
    effect    = "Allow"
    actions   = ["iam:ListAttachedRolePolicies"]
    resources = ["${local.iam_prefix}:role/*"]
  }

  # Any role of the account, but only this one AWS managed policy: the function can never grant
  # anything else.
  statement {
    sid       = "AttachTheSsmPolicyOnly"
    effect    = "Allow"
    actions   = ["iam:AttachRolePolicy"]
    resources = ["${local.iam_prefix}:role/*"]

    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values   = [local.ssm_policy_arn]
    }
  }

  # The exceptions list, enforced by IAM as well as by the code.
  dynamic "statement" {
    for_each = length(var.exception_role_names) > 0 ? [1] : []
    content {
      sid       = "NeverTouchExceptedRoles"
      effect    = "Deny"
      actions   = ["iam:AttachRolePolicy"]
      resources = local.excepted_role_arns
    }
  }

  statement {
    sid       = "PublishReports"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn]
  }

  dynamic "statement" {
    for_each = var.slack_webhook_parameter == null ? [] : [1]
    content {
      sid       = "ReadSlackWebhook"
      effect    = "Allow"
      actions   = ["ssm:GetParameter"]
      resources = [local.slack_parameter_arn]
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

  # Only with create_default_profile: the default role and profile, by name, and associating
  # that profile (EC2 checks iam:PassRole on its role; so does AddRoleToInstanceProfile).
  dynamic "statement" {
    for_each = var.create_default_profile ? [1] : []
    content {
      sid       = "CreateTheDefaultRole"
      effect    = "Allow"
      actions   = ["iam:CreateRole"]
      resources = [local.default_role_arn]
    }
  }

  dynamic "statement" {
    for_each = var.create_default_profile ? [1] : []
    content {
      sid       = "CreateTheDefaultProfile"
      effect    = "Allow"
      actions   = ["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"]
      resources = [local.default_profile_arn]
    }
  }

  dynamic "statement" {
    for_each = var.create_default_profile ? [1] : []
    content {
      sid       = "PassTheDefaultRoleOnly"
      effect    = "Allow"
      actions   = ["iam:PassRole"]
      resources = [local.default_role_arn]
    }
  }

  dynamic "statement" {
    for_each = var.create_default_profile ? [1] : []
    content {
      sid       = "AssociateTheDefaultProfile"
      effect    = "Allow"
      actions   = ["ec2:AssociateIamInstanceProfile"]
      resources = ["arn:${local.partition}:ec2:${local.region}:${local.account}:instance/*"]
    }
  }

  # SNS and SQS use the key on the role's behalf.
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [1]
    content {
      sid       = "UseReportKey"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "ssm_role_fixer" {
  name   = "assetguard-ssm-role-fixer"
  role   = module.function.role_name
  policy = data.aws_iam_policy_document.ssm_role_fixer.json
}

# --- EventBridge ------------------------------------------------------------------------------

# policies/*-pattern.json are eventPatterns() of actions/src/lambda/ssm-role-fixer/events.ts; a
# test fails when they differ.
resource "aws_cloudwatch_event_rule" "state_change" {
  name          = "${var.function_name}-running"
  description   = "assetguard ssm-role-fixer: EC2 instances entering the running state."
  event_pattern = file("${path.module}/policies/state-change-pattern.json")

  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "api_calls" {
  name          = "${var.function_name}-profile-calls"
  description   = "assetguard ssm-role-fixer: successful AssociateIamInstanceProfile and ReplaceIamInstanceProfileAssociation calls (CloudTrail)."
  event_pattern = file("${path.module}/policies/api-call-pattern.json")

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "state_change" {
  rule      = aws_cloudwatch_event_rule.state_change.name
  target_id = "ssm-role-fixer-lambda"
  arn       = module.function.function_arn
}

resource "aws_cloudwatch_event_target" "api_calls" {
  rule      = aws_cloudwatch_event_rule.api_calls.name
  target_id = "ssm-role-fixer-lambda"
  arn       = module.function.function_arn
}

resource "aws_lambda_permission" "state_change" {
  statement_id  = "AllowStateChangeRule"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.state_change.arn
}

resource "aws_lambda_permission" "api_calls" {
  statement_id  = "AllowProfileCallsRule"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.api_calls.arn
}
