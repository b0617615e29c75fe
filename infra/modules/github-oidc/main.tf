locals {
  oidc_host = "token.actions.githubusercontent.com"
  oidc_provider_arn = (
    var.create_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
    : var.existing_oidc_provider_arn
  )
  allowed_subjects = [for claim in var.subject_claims : "repo:${var.github_repository}:${claim}"]
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url             = "https://${local.oidc_host}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = var.oidc_thumbprints

  tags = var.tags
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "GitHubActionsOidc"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    # Without an audience check any OIDC token minted for another relying
    # party could be replayed here; sts.amazonaws.com is what
    # configure-aws-credentials requests by default.
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Pin the repository and the branch/environment: a sub of repo:owner/name:*
    # would let any branch or pull request workflow assume the role.
    condition {
      test     = "StringLike"
      variable = "${local.oidc_host}:sub"
      values   = local.allowed_subjects
    }
  }
}

resource "aws_iam_role" "scan_gate" {
  name                 = var.role_name
  description          = "Assumed by GitHub Actions in ${var.github_repository} to run the assetguard scan gate."
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.create_oidc_provider || var.existing_oidc_provider_arn != null
      error_message = "Set existing_oidc_provider_arn when create_oidc_provider is false."
    }
  }
}

# Read-only and least-privilege: exactly the calls the scan gate makes.
resource "aws_iam_role_policy" "scan_gate" {
  name   = "assetguard-scan-gate"
  role   = aws_iam_role.scan_gate.id
  policy = file("${path.module}/policies/scan-gate.json")
}

# The compliance gate's read-only calls (AWS Config, the Tagging API, Security Hub).
resource "aws_iam_role_policy" "compliance_gate" {
  name   = "assetguard-compliance-gate"
  role   = aws_iam_role.scan_gate.id
  policy = file("${path.module}/policies/compliance-gate.json")
}

# The tag-policy action: inventory, tagging (TagResources also needs each service's own tagging
# permission, e.g. dynamodb:TagResource), publishing to SSM and Resource Groups.
resource "aws_iam_role_policy" "tag_policy" {
  name   = "assetguard-tag-policy"
  role   = aws_iam_role.scan_gate.id
  policy = file("${path.module}/policies/tag-policy.json")
}

# The daily report: Inspector2 findings, Config or Security Hub compliance, the inventory and
# tags (read only); its state object under assetguard/daily-report/ (with s3:ListBucket, so a
# missing state answers 404, a first run, rather than 403); SES for the email. On the same role
# for now.
resource "aws_iam_role_policy" "daily_report" {
  name   = "assetguard-daily-report"
  role   = aws_iam_role.scan_gate.id
  policy = file("${path.module}/policies/daily-report.json")
}

# --- remediation (workflow_dispatch, behind an approval environment) ---------------------------

# A role of its own, assumable only by jobs that run in the remediation environment (its sub is
# repo:OWNER/NAME:environment:NAME, exact): required reviewers approve before any job gets it.
# The main role above never gets these permissions.
locals {
  remediate_subject   = "repo:${var.github_repository}:environment:${var.remediation_environment}"
  fleet_check_subject = "repo:${var.github_repository}:ref:refs/heads/${var.fleet_check_branch}"
}

data "aws_iam_policy_document" "remediate_trust" {
  statement {
    sid     = "GitHubActionsRemediationEnvironment"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.remediate_subject]
    }
  }
}

resource "aws_iam_role" "remediate" {
  name                 = var.remediate_role_name
  description          = "Assumed by GitHub Actions jobs of ${var.github_repository} in the ${var.remediation_environment} environment to run assetguard remediations."
  assume_role_policy   = data.aws_iam_policy_document.remediate_trust.json
  max_session_duration = var.max_session_duration

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.create_oidc_provider || var.existing_oidc_provider_arn != null
      error_message = "Set existing_oidc_provider_arn when create_oidc_provider is false."
    }
  }
}

# Start the runbooks, read their outcome, pass only the automation role (modules/remediation)
# to SSM, and append the audit records.
resource "aws_iam_role_policy" "remediate" {
  name   = "assetguard-remediate"
  role   = aws_iam_role.remediate.id
  policy = file("${path.module}/policies/remediate.json")
}

# --- fleet host checks (scheduled, from the default branch) ------------------------------------

data "aws_iam_policy_document" "fleet_check_trust" {
  statement {
    sid     = "GitHubActionsDefaultBranch"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.fleet_check_subject]
    }
  }
}

resource "aws_iam_role" "fleet_check" {
  name                 = var.fleet_check_role_name
  description          = "Assumed by the scheduled assetguard fleet check of ${var.github_repository} (branch ${var.fleet_check_branch}); assumes the fleet-check role of each member account."
  assume_role_policy   = data.aws_iam_policy_document.fleet_check_trust.json
  max_session_duration = var.max_session_duration

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.create_oidc_provider || var.existing_oidc_provider_arn != null
      error_message = "Set existing_oidc_provider_arn when create_oidc_provider is false."
    }
  }
}

resource "aws_iam_role_policy" "fleet_check" {
  name   = "assetguard-fleet-check"
  role   = aws_iam_role.fleet_check.id
  policy = file("${path.module}/policies/fleet-check.json")
}
