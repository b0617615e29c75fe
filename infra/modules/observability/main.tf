# The service's metrics, traces and dashboard: an Amazon Managed Service for Prometheus (AMP)
# workspace the tasks remote-write to (optionally with an alert manager that sends to the alerts
# topic), an Amazon Managed Grafana (AMG) workspace that reads AMP and X-Ray through its own role,
# an X-Ray group and sampling rule for the service, and the dashboard (grafana.tf).

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # aws_region.name is deprecated in provider 6 (id works in 5 and 6).
  region  = data.aws_region.current.id
  account = data.aws_caller_identity.current.account_id

  # prometheus_endpoint ends with "/": https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/
  remote_write_url = "${aws_prometheus_workspace.this.prometheus_endpoint}api/v1/remote_write"
}

# --- metrics (AMP) ------------------------------------------------------------------------------

resource "aws_prometheus_workspace" "this" {
  alias       = var.name
  kms_key_arn = var.kms_key_arn

  tags = var.tags
}

resource "aws_prometheus_alert_manager_definition" "this" {
  count = var.alerts_topic_arn == null ? 0 : 1

  workspace_id = aws_prometheus_workspace.this.id
  # Every alert to the alerts topic (its policies must let aps.amazonaws.com publish and encrypt).
  definition = <<-YAML
    alertmanager_config: |
      route:
        receiver: alerts-topic
        group_by: [alertname]
      receivers:
        - name: alerts-topic
          sns_configs:
            - topic_arn: ${var.alerts_topic_arn}
              sigv4:
                region: ${local.region}
              subject: "${var.name} alert"
  YAML
}

# --- dashboards (AMG) ---------------------------------------------------------------------------

data "aws_iam_policy_document" "grafana_trust" {
  statement {
    sid     = "GrafanaOfThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["grafana.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:grafana:${local.region}:${local.account}:/workspaces/*"]
    }
  }
}

# SERVICE_MANAGED permissions created through the API (not the console) get no role of their
# own: this is the role the workspace's data sources use.
resource "aws_iam_role" "grafana" {
  name               = "${var.name}-grafana"
  description        = "Assumed by the ${var.name} Amazon Managed Grafana workspace to read AMP and X-Ray."
  assume_role_policy = data.aws_iam_policy_document.grafana_trust.json

  tags = var.tags
}

resource "aws_iam_role_policy" "grafana" {
  name = "${var.name}-grafana-read"
  role = aws_iam_role.grafana.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "QueryThisWorkspace"
        Effect   = "Allow"
        Action   = ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata", "aps:DescribeWorkspace"]
        Resource = aws_prometheus_workspace.this.arn
      },
      {
        Sid      = "ListWorkspaces"
        Effect   = "Allow"
        Action   = "aps:ListWorkspaces"
        Resource = "*"
      },
      {
        # X-Ray reads support no resource-level permissions.
        Sid    = "ReadTraces"
        Effect = "Allow"
        Action = [
          "xray:BatchGetTraces",
          "xray:GetGroup",
          "xray:GetGroups",
          "xray:GetServiceGraph",
          "xray:GetTimeSeriesServiceStatistics",
          "xray:GetTraceGraph",
          "xray:GetTraceSummaries",
          "xray:GetInsightSummaries",
          "xray:GetInsight",
        ]
        Resource = "*"
      },
    ]
  })
}

resource "aws_grafana_workspace" "this" {
  name                     = var.name
  description              = "Dashboards of ${var.name} (AMP metrics, X-Ray traces)."
  account_access_type      = "CURRENT_ACCOUNT"
  authentication_providers = ["AWS_SSO"]
  permission_type          = "SERVICE_MANAGED"
  data_sources             = ["PROMETHEUS", "XRAY"]
  role_arn                 = aws_iam_role.grafana.arn
  grafana_version          = var.grafana_version

  tags = var.tags
}

# What Terraform provisions the dashboard with (grafana.tf, through the root's grafana provider).
resource "aws_grafana_workspace_service_account" "terraform" {
  name         = "terraform"
  grafana_role = "ADMIN"
  workspace_id = aws_grafana_workspace.this.id
}

# Tokens live at most 30 days and cannot be renewed: a new one replaces the old one at the
# first apply after rotation_days, before the old one expires.
resource "time_rotating" "grafana_token" {
  rotation_days = var.token_rotation_days
}

resource "aws_grafana_workspace_service_account_token" "terraform" {
  name               = "terraform-${time_rotating.grafana_token.unix}"
  service_account_id = aws_grafana_workspace_service_account.terraform.service_account_id
  seconds_to_live    = 30 * 24 * 60 * 60
  workspace_id       = aws_grafana_workspace.this.id
}

# --- traces (X-Ray) -----------------------------------------------------------------------------

resource "aws_xray_group" "this" {
  group_name        = var.name
  filter_expression = "service(\"${var.xray_service_name}\")"

  insights_configuration {
    insights_enabled      = true
    notifications_enabled = false
  }

  tags = var.tags
}

resource "aws_xray_sampling_rule" "this" {
  # Sampling rule names are at most 32 characters.
  rule_name      = substr(var.name, 0, 32)
  priority       = 1000
  version        = 1
  reservoir_size = var.sampling_reservoir_size
  fixed_rate     = var.sampling_fixed_rate
  url_path       = "*"
  host           = "*"
  http_method    = "*"
  service_type   = "*"
  service_name   = var.xray_service_name
  resource_arn   = "*"

  tags = var.tags
}
