# Fleet host checks from one central account (docs: README "Fleet host checks"): the scheduled
# workflow assumes a central role (modules/github-oidc, permissions.json: fleet-check), which assumes
# the member role below in each member account, sends the host check script with Run Command
# (AWS-RunShellScript) and reads each instance's output from the central bucket: Run Command
# keeps only 24,000 characters of stdout itself, so the instances write it to S3.
#
# Apply it in the central account with create_output_bucket = true (and member_account_ids),
# and in every member account with create_member_role = true (central_role_arn and the bucket's
# name). In a single account, both at once.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # aws_region.name is deprecated in provider 6 (id works in 5 and 6).
  region  = data.aws_region.current.id
  account = data.aws_caller_identity.current.account_id

  output_prefix = trimsuffix(var.output_prefix, "/")
  bucket_name   = var.create_output_bucket ? aws_s3_bucket.output[0].id : var.output_bucket_name
  bucket_arn    = local.bucket_name == null ? null : "arn:${local.partition}:s3:::${local.bucket_name}"
}

# --- central account: the output bucket -----------------------------------------------------

resource "aws_s3_bucket" "output" {
  count = var.create_output_bucket ? 1 : 0

  bucket        = var.output_bucket_name
  bucket_prefix = var.output_bucket_name == null ? "assetguard-fleet-check-" : null
  force_destroy = var.output_bucket_force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_public_access_block" "output" {
  count = var.create_output_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.output[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: outputs written by member accounts' instances belong to the bucket owner.
resource "aws_s3_bucket_ownership_controls" "output" {
  count = var.create_output_bucket ? 1 : 0

  bucket = aws_s3_bucket.output[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "output" {
  count = var.create_output_bucket ? 1 : 0

  bucket = aws_s3_bucket.output[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

# Outputs are read once, by the run that sent the command: keep them only a little while.
resource "aws_s3_bucket_lifecycle_configuration" "output" {
  count = var.create_output_bucket ? 1 : 0

  bucket = aws_s3_bucket.output[0].id

  rule {
    id     = "expire-run-command-output"
    status = "Enabled"

    filter {}

    expiration {
      days = var.output_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "output_bucket" {
  count = var.create_output_bucket ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.output[0].arn, "${aws_s3_bucket.output[0].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Member accounts' instances write their output under the prefix (their instance profile
  # policy, below, allows it on their side); nothing else, and no reading.
  dynamic "statement" {
    for_each = length(var.member_account_ids) > 0 ? [1] : []
    content {
      sid       = "MemberInstancesWriteOutput"
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.output[0].arn}/${local.output_prefix}/*"]

      principals {
        type        = "AWS"
        identifiers = [for id in var.member_account_ids : "arn:${local.partition}:iam::${id}:root"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.member_account_ids) > 0 ? [1] : []
    content {
      sid       = "MemberInstancesReadEncryption"
      effect    = "Allow"
      actions   = ["s3:GetEncryptionConfiguration"]
      resources = [aws_s3_bucket.output[0].arn]

      principals {
        type        = "AWS"
        identifiers = [for id in var.member_account_ids : "arn:${local.partition}:iam::${id}:root"]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "output" {
  count = var.create_output_bucket ? 1 : 0

  bucket = aws_s3_bucket.output[0].id
  policy = data.aws_iam_policy_document.output_bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.output]
}

# --- member account: the role the central account assumes -----------------------------------

data "aws_iam_policy_document" "member_trust" {
  count = var.create_member_role ? 1 : 0

  statement {
    sid     = "TheCentralFleetCheckRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [var.central_role_arn]
    }
  }
}

resource "aws_iam_role" "member" {
  count = var.create_member_role ? 1 : 0

  name               = var.member_role_name
  description        = "Assumed by the assetguard fleet check (${var.central_role_arn}) to run the host check on this account's instances."
  assume_role_policy = data.aws_iam_policy_document.member_trust[0].json

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.central_role_arn != null && local.bucket_name != null
      error_message = "create_member_role needs central_role_arn and the output bucket (output_bucket_name, or create_output_bucket in the same account)."
    }
  }
}

# Exactly the calls the fleet check makes with the member account's credentials
# (__tests__/infra/fleet-check.test.ts compares them with actions/src/fleet-check): list the
# target instances, run the script on them, follow the command; import the findings.
data "aws_iam_policy_document" "member" {
  count = var.create_member_role ? 1 : 0

  # DescribeInstances, ListCommands and GetCommandInvocation take no resource-level permission.
  statement {
    sid       = "FindInstancesAndFollowCommands"
    effect    = "Allow"
    actions   = ["ec2:DescribeInstances", "ssm:ListCommands", "ssm:GetCommandInvocation"]
    resources = ["*"]
  }

  # The one AWS document, on this account's instances.
  statement {
    sid     = "RunTheHostCheckScript"
    effect  = "Allow"
    actions = ["ssm:SendCommand"]
    resources = [
      "arn:${local.partition}:ssm:*::document/AWS-RunShellScript",
      "arn:${local.partition}:ec2:*:${local.account}:instance/*",
    ]
  }

  dynamic "statement" {
    for_each = var.import_to_security_hub ? [1] : []
    content {
      sid       = "ReadFleetFindings"
      effect    = "Allow"
      actions   = ["securityhub:GetFindings"]
      resources = ["*"]
    }
  }

  # Findings are imported as this account's own product (product/ACCOUNT/default).
  dynamic "statement" {
    for_each = var.import_to_security_hub ? [1] : []
    content {
      sid       = "ImportFleetFindings"
      effect    = "Allow"
      actions   = ["securityhub:BatchImportFindings"]
      resources = ["arn:${local.partition}:securityhub:*:${local.account}:product/${local.account}/default"]
    }
  }
}

resource "aws_iam_role_policy" "member" {
  count = var.create_member_role ? 1 : 0

  name   = "assetguard-fleet-check"
  role   = aws_iam_role.member[0].id
  policy = data.aws_iam_policy_document.member[0].json
}

# What an instance needs to write its Run Command output to the central bucket: attach this
# policy to the roles of the instances' profiles (instance_role_names, or by hand).
data "aws_iam_policy_document" "instance_output" {
  count = var.create_member_role ? 1 : 0

  statement {
    sid       = "WriteRunCommandOutput"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/${local.output_prefix}/*"]
  }

  # The SSM Agent reads the bucket's encryption before it uploads.
  statement {
    sid       = "ReadOutputBucketEncryption"
    effect    = "Allow"
    actions   = ["s3:GetEncryptionConfiguration"]
    resources = [local.bucket_arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [1]
    content {
      sid       = "EncryptRunCommandOutput"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_policy" "instance_output" {
  count = var.create_member_role ? 1 : 0

  name        = "${var.member_role_name}-instance-output"
  description = "Lets an EC2 instance write its assetguard fleet check output (Run Command) to s3://${local.bucket_name}/${local.output_prefix}/."
  policy      = data.aws_iam_policy_document.instance_output[0].json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "instance_output" {
  for_each = var.create_member_role ? toset(var.instance_role_names) : toset([])

  role       = each.value
  policy_arn = aws_iam_policy.instance_output[0].arn
}
