variable "name" {
  description = "Name of the AMP workspace alias, the AMG workspace, its role, the X-Ray group and sampling rule, e.g. prod-portal."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,31}$", var.name))
    error_message = "name must be 1-32 lower-case letters, digits and hyphens (X-Ray sampling rule names take 32 characters)."
  }
}

variable "xray_service_name" {
  description = "Service name the application's traces carry (the segment name): the X-Ray group's filter and the sampling rule's service."
  type        = string
}

variable "dashboard_file" {
  description = "Path of the Grafana dashboard JSON provisioned into the workspace (the app's app/grafana/portal-dashboard.json)."
  type        = string
}

variable "prometheus_data_source_uid" {
  description = "uid of the AMP data source in Grafana: the uid the dashboard's panels name as their datasource."
  type        = string
  default     = "amp"
}

variable "alerts_topic_arn" {
  description = "SNS topic the AMP alert manager sends every alert to; null creates no alert manager. The topic and its key must let aps.amazonaws.com publish."
  type        = string
  default     = null
}

variable "grafana_version" {
  description = "Grafana version of the AMG workspace (service accounts need 9.4 or later)."
  type        = string
  default     = "10.4"
}

variable "token_rotation_days" {
  description = "Days after which the next apply replaces the Terraform service account token (tokens live 30 days)."
  type        = number
  default     = 20

  validation {
    condition     = var.token_rotation_days >= 1 && var.token_rotation_days < 30
    error_message = "token_rotation_days must be 1-29: the token expires after 30 days."
  }
}

variable "sampling_reservoir_size" {
  description = "Traces per second the sampling rule records before applying the fixed rate."
  type        = number
  default     = 1
}

variable "sampling_fixed_rate" {
  description = "Share (0-1) of further requests the sampling rule records."
  type        = number
  default     = 0.05

  validation {
    condition     = var.sampling_fixed_rate >= 0 && var.sampling_fixed_rate <= 1
    error_message = "sampling_fixed_rate must be between 0 and 1."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the AMP workspace; null uses an AWS owned key."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every AWS resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
