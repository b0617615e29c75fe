# Metrics, traces and dashboards. The AMP and AMG workspaces are account singletons created by
# the baseline root; an environment that shares the account writes to the baseline's AMP
# workspace, found by its alias (apply the baseline root first).

locals {
  amp_workspace_arn    = var.account_baseline ? module.observability[0].amp_workspace_arn : local.shared_amp_workspace_arn
  amp_remote_write_url = var.account_baseline ? module.observability[0].amp_remote_write_url : local.shared_amp_remote_write_url

  # The baseline's workspace, when this root is not the baseline.
  shared_amp_index = var.account_baseline ? null : index(data.aws_prometheus_workspaces.baseline[0].aliases, local.baseline_name)
  shared_amp_workspace_arn = (
    var.account_baseline ? null : data.aws_prometheus_workspaces.baseline[0].arns[local.shared_amp_index]
  )
  shared_amp_remote_write_url = (
    var.account_baseline ? null : "https://aps-workspaces.${local.region}.amazonaws.com/workspaces/${data.aws_prometheus_workspaces.baseline[0].workspace_ids[local.shared_amp_index]}/api/v1/remote_write"
  )
}

module "observability" {
  source = "../observability"
  count  = var.account_baseline ? 1 : 0

  name = local.baseline_name
  # The app's OTEL_SERVICE_NAME (workload.tf): every environment's traces carry it.
  xray_service_name = var.service
  # Written by the app (app/grafana); its panels name the AMP data source by uid "amp".
  dashboard_file   = "${path.module}/../../../app/grafana/portal-dashboard.json"
  alerts_topic_arn = module.alerts_topic[0].topic_arn
}

data "aws_prometheus_workspaces" "baseline" {
  count = var.account_baseline ? 0 : 1

  alias_prefix = local.baseline_name

  lifecycle {
    postcondition {
      condition     = contains(self.aliases, local.baseline_name)
      error_message = "No AMP workspace with alias ${local.baseline_name} in this account and region: apply the ${var.baseline_environment} root (account_baseline = true) first."
    }
  }
}

output "grafana_url" {
  description = "URL of the Amazon Managed Grafana workspace: the env root's grafana provider url (null where another root holds the baseline)."
  value       = var.account_baseline ? module.observability[0].grafana_url : null
}

output "grafana_token" {
  description = "Token of the Grafana service account Terraform provisions the dashboard with: the env root's grafana provider auth (null where another root holds the baseline)."
  value       = var.account_baseline ? module.observability[0].grafana_token : null
  sensitive   = true
}

output "amp_remote_write_url" {
  description = "AMP remote-write URL the tasks' collector sends metrics to."
  value       = local.amp_remote_write_url
}

output "xray_group_arn" {
  description = "X-Ray group of the service's traces (null where another root holds the baseline)."
  value       = var.account_baseline ? module.observability[0].xray_group_arn : null
}
