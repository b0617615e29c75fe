output "amp_workspace_id" {
  description = "ID of the AMP workspace."
  value       = aws_prometheus_workspace.this.id
}

output "amp_workspace_arn" {
  description = "ARN of the AMP workspace: the resource of the tasks' aps:RemoteWrite permission."
  value       = aws_prometheus_workspace.this.arn
}

output "amp_endpoint" {
  description = "Prometheus query endpoint of the AMP workspace (ends with /)."
  value       = aws_prometheus_workspace.this.prometheus_endpoint
}

output "amp_remote_write_url" {
  description = "URL the tasks' collector remote-writes metrics to (SigV4, service aps)."
  value       = local.remote_write_url
}

output "grafana_workspace_id" {
  description = "ID of the AMG workspace."
  value       = aws_grafana_workspace.this.id
}

output "grafana_url" {
  description = "URL of the AMG workspace: the grafana provider's url."
  value       = "https://${aws_grafana_workspace.this.endpoint}"
}

output "grafana_token" {
  description = "Token of the Terraform service account (ADMIN): the grafana provider's auth. Expires 30 days after creation."
  value       = aws_grafana_workspace_service_account_token.terraform.key
  sensitive   = true
}

output "xray_group_arn" {
  description = "ARN of the service's X-Ray group."
  value       = aws_xray_group.this.arn
}

output "dashboard_url" {
  description = "URL of the portal dashboard in the AMG workspace."
  value       = grafana_dashboard.portal.url
}
