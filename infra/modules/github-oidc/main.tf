# One IAM role per kind of GitHub Actions job, each trusting only the OIDC tokens of this
# repository's jobs that need it, and allowed only the calls those jobs make. Who may assume a
# role and what it may do come from one file, permissions.json; this module only renders it.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  oidc_host = "token.actions.githubusercontent.com"
  oidc_provider_arn = (
    var.create_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
    : data.aws_iam_openid_connect_provider.github[0].arn
  )

  permissions = jsondecode(file("${path.module}/permissions.json")).roles
  # The chosen kinds that permissions.json defines; the role's precondition names any other.
  known = { for kind in var.role_kinds : kind => local.permissions[kind] if contains(keys(local.permissions), kind) }

  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  s3_arn     = "arn:${local.partition}:s3:::"

  # What ${name} stands for in permissions.json. A value left null renders as <unset>, and the
  # role's precondition then names the variable to set (a role never gets a half-filled ARN).
  template_values = {
    partition                       = local.partition
    region                          = local.region
    account_id                      = local.account_id
    deploy_environment              = var.deploy_environment
    remediation_environment         = var.remediation_environment
    ecr_repository_arn              = var.ecr_repository_arn
    ecs_cluster_name                = var.ecs_cluster_name
    ecs_service_name                = var.ecs_service_name
    ecs_task_role_arn               = var.ecs_task_role_arn
    ecs_execution_role_arn          = var.ecs_execution_role_arn
    tag_policy_parameter_arn        = var.tag_policy_parameter_name == null ? null : "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${trimprefix(var.tag_policy_parameter_name, "/")}"
    state_bucket_arn                = var.state_bucket_name == null ? null : "${local.s3_arn}${var.state_bucket_name}"
    report_bucket_arn               = var.report_bucket_name == null ? null : "${local.s3_arn}${var.report_bucket_name}"
    remediation_audit_bucket_arn    = var.remediation_audit_bucket_name == null ? null : "${local.s3_arn}${var.remediation_audit_bucket_name}"
    remediation_automation_role_arn = var.remediation_automation_role_arn
    fleet_check_bucket_arn          = var.fleet_check_bucket_name == null ? null : "${local.s3_arn}${var.fleet_check_bucket_name}"
    fleet_check_output_prefix       = var.fleet_check_output_prefix == null ? null : trim(var.fleet_check_output_prefix, "/")
    fleet_check_member_role_name    = var.fleet_check_member_role_name
  }

  # Every string of the chosen roles that may hold a ${name}: subjects, managed policy ARNs and
  # statement resources, each rendered once here and looked up by its text below.
  templates = distinct(flatten([
    for role in values(local.known) : concat(
      role.subjects,
      role.managed_policies,
      flatten([for statement in role.statements : statement.resources]),
    )
  ]))
  # A template is a run of literal text and ${name} parts; names are lower-case words.
  rendered = {
    for template in local.templates : template => join("", [
      for part in regexall("\\$\\{[a-z_]+\\}|[^$]+", template) :
      startswith(part, "$${")
      ? coalesce(local.template_values[trimsuffix(trimprefix(part, "$${"), "}")], "<unset>")
      : part
    ])
  }
  # The ${name}s of each role whose value is null or empty (regexall gives [name] per match).
  unset = {
    for kind, role in local.known : kind => sort(distinct([
      for name in flatten([
        for template in concat(role.subjects, role.managed_policies, flatten([for s in role.statements : s.resources])) :
        [for match in regexall("\\$\\{([a-z_]+)\\}", template) : match[0]]
      ]) : name if local.template_values[name] == null || local.template_values[name] == ""
    ]))
  }

  subjects = {
    for kind, role in local.known : kind => [
      for subject in role.subjects : "repo:${var.github_repository}:${local.rendered[subject]}"
    ]
  }
  managed_policies = {
    for pair in flatten([
      for kind, role in local.known : [
        for arn in role.managed_policies : { kind = kind, arn = local.rendered[arn], key = "${kind} ${arn}" }
      ]
    ]) : pair.key => pair
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
  # No thumbprint_list: IAM verifies token.actions.githubusercontent.com through its own
  # library of trusted root CAs, and provider 6.x no longer requires the argument.

  tags = var.tags
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 0 : 1

  url = "https://${local.oidc_host}"
}

data "aws_iam_policy_document" "trust" {
  for_each = local.known

  statement {
    sid     = "GitHubActionsOidc"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    # Without an audience check a token minted for another relying party could be replayed here;
    # sts.amazonaws.com is what configure-aws-credentials asks for.
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # The exact subjects, never a pattern: with StringLike and environment:* any branch could
    # name a new environment in its workflow and get the role.
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = local.subjects[each.key]
    }
  }
}

resource "aws_iam_role" "github" {
  for_each = toset(var.role_kinds)

  name                 = "${var.name_prefix}-${each.key}"
  description          = "GitHub Actions, ${var.github_repository}: ${try(local.known[each.key].description, "")}"
  assume_role_policy   = try(data.aws_iam_policy_document.trust[each.key].json, null)
  max_session_duration = var.max_session_duration

  tags = var.tags

  lifecycle {
    precondition {
      condition     = contains(keys(local.known), each.key)
      error_message = "Role kind \"${each.key}\" is not in permissions.json, which defines: ${join(", ", sort(keys(local.permissions)))}."
    }
    precondition {
      condition     = try(length(local.unset[each.key]) == 0, true)
      error_message = "The ${each.key} role's permissions need ${join(", ", try(local.unset[each.key], []))}: pass the matching variables to module github-oidc."
    }
  }
}

data "aws_iam_policy_document" "permissions" {
  for_each = { for kind, role in local.known : kind => role if length(role.statements) > 0 }

  dynamic "statement" {
    for_each = each.value.statements

    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = statement.value.actions
      resources = [for resource in statement.value.resources : local.rendered[resource]]

      dynamic "condition" {
        for_each = try(statement.value.conditions, [])

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "github" {
  for_each = data.aws_iam_policy_document.permissions

  name   = "assetguard-${each.key}"
  role   = aws_iam_role.github[each.key].id
  policy = each.value.json
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each = local.managed_policies

  role       = aws_iam_role.github[each.value.kind].name
  policy_arn = each.value.arn
}
