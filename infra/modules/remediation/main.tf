# What `assetguard remediate` needs in the account it remediates (README "Remediation"): the
# role SSM Automation assumes to run the AWS runbooks of actions/src/core/controls.json (passed
# to StartAutomationExecution as AutomationAssumeRole), and the S3 bucket the audit records of
# every run are appended to (audit.tf).
#
# The GitHub workflow's own role (modules/github-oidc, permissions.json: remediate) may only start
# automations and pass THIS role to ssm.amazonaws.com; what a runbook may change is decided
# here, per runbook, and nowhere else.

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account    = data.aws_caller_identity.current.account_id
  iam_prefix = "arn:${local.partition}:iam::${local.account}"

  # Each AWS runbook of the control table and the calls its steps make, from the "Required IAM
  # permissions" of the runbook's page in the AWS Systems Manager Automation runbook reference.
  # __tests__/infra/remediation.test.ts checks its keys are exactly the table's documents.
  runbook_permissions = jsondecode(file("${path.module}/policies/runbook-permissions.json"))
  runbooks            = { for name in var.runbooks : name => lookup(local.runbook_permissions, name, []) }

  attaches_roles = contains(var.runbooks, "AWS-AttachIAMToInstance") && length(var.instance_role_names) > 0
}

# Only SSM Automation, for executions in this account (the confused-deputy conditions the
# Systems Manager guide recommends for the Automation service role).
data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "SsmAutomationOfThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ssm.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ssm:*:${local.account}:automation-execution/*"]
    }
  }
}

resource "aws_iam_role" "automation" {
  name               = var.automation_role_name
  description        = "Assumed by SSM Automation to run the assetguard remediation runbooks (AutomationAssumeRole)."
  assume_role_policy = data.aws_iam_policy_document.trust.json

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(setsubtract(var.runbooks, keys(local.runbook_permissions))) == 0
      error_message = "runbooks may only name runbooks listed in policies/runbook-permissions.json (the documents of actions/src/core/controls.json)."
    }
  }
}

# One statement per runbook. The runbooks act on resources their parameters name at run time,
# so the actions are granted on "*"; which runbooks exist at all is var.runbooks.
# AWS-AttachIAMToInstance gets no ec2:DisassociateIamInstanceProfile (nor Replace): with
# ForceReplace=true that runbook would take an instance's own profile away, and IAM refuses it.
data "aws_iam_policy_document" "runbooks" {
  dynamic "statement" {
    for_each = local.runbooks
    content {
      sid       = replace(statement.key, "/[^A-Za-z0-9]/", "")
      effect    = "Allow"
      actions   = statement.value
      resources = ["*"]
    }
  }

  # AWS-AttachIAMToInstance hands RoleName to EC2 (AssociateIamInstanceProfile and
  # AddRoleToInstanceProfile check iam:PassRole): only the roles named here.
  dynamic "statement" {
    for_each = local.attaches_roles ? [1] : []
    content {
      sid       = "PassOnlyTheInstanceRoles"
      effect    = "Allow"
      actions   = ["iam:PassRole"]
      resources = [for name in var.instance_role_names : "${local.iam_prefix}:role/${name}"]
    }
  }
}

resource "aws_iam_role_policy" "runbooks" {
  name   = "assetguard-remediation-runbooks"
  role   = aws_iam_role.automation.id
  policy = data.aws_iam_policy_document.runbooks.json
}
