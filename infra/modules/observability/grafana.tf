# Inside the AMG workspace, through the grafana provider the root configures from this module's
# grafana_url and grafana_token outputs: the AMP data source (SigV4 with the workspace's role)
# and the portal dashboard the app ships (app/grafana/portal-dashboard.json).
#
# The first apply creates the workspace before the provider can reach it: apply
# `-target=module.stack.module.observability[0].aws_grafana_workspace_service_account_token.terraform`
# once, then a full apply (Terraform cannot configure a provider from values it does not know yet).

resource "grafana_data_source" "amp" {
  type       = "prometheus"
  name       = "Amazon Managed Service for Prometheus"
  uid        = var.prometheus_data_source_uid
  url        = aws_prometheus_workspace.this.prometheus_endpoint
  is_default = true

  # "ec2_iam_role" is AMG's "Workspace IAM role" authentication: the role above, signed SigV4.
  json_data_encoded = jsonencode({
    httpMethod    = "POST"
    sigV4Auth     = true
    sigV4AuthType = "ec2_iam_role"
    sigV4Region   = local.region
  })
}

resource "grafana_dashboard" "portal" {
  config_json = file(var.dashboard_file)
  overwrite   = true

  # The dashboard's panels query the data source by its uid.
  depends_on = [grafana_data_source.amp]
}
