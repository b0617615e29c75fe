variable "name" {
  description = "Name prefix of every resource (`<environment>-<service>`): cluster `<name>-cluster`, service and task family `<name>-app`."
  type        = string

  validation {
    # The target group name is `<name>-tg` and may have at most 32 characters.
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,28}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, at most 29 characters."
  }
}

variable "vpc_id" {
  description = "VPC of the service."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC: the tasks may reach the interface endpoints and the database inside it."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the ALB (two or more availability zones)."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets of the tasks."
  type        = list(string)
}

variable "s3_prefix_list_id" {
  description = "Prefix list of the VPC's S3 gateway endpoint: image layers come from S3."
  type        = string
}

variable "internet_egress" {
  description = "Let the tasks make HTTPS calls to the internet (only useful with a NAT gateway)."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate (same region) of the HTTPS listener."
  type        = string
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "alb_ingress_cidrs" {
  description = "IPv4 ranges allowed to reach the ALB on 443 (and 80, which only redirects)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "alb_deletion_protection" {
  description = "Refuse to delete the load balancer."
  type        = bool
  default     = false
}

variable "image" {
  description = "Image of the app container at creation. Deploys register new task definitions through the deploy workflow, which Terraform then leaves alone."
  type        = string
}

variable "container_name" {
  description = "Name of the app container (the deploy workflow's ECS_CONTAINER_NAME)."
  type        = string
  default     = "app"
}

variable "container_port" {
  description = "Port the app listens on (its PORT)."
  type        = number
  default     = 8080
}

variable "container_user" {
  description = "uid:gid the app runs as; never root (the node image's `node` user is 1000)."
  type        = string
  default     = "1000:1000"

  validation {
    condition     = !can(regex("^(0|root)(:|$)", var.container_user))
    error_message = "container_user must not be root (0)."
  }
}

variable "cpu" {
  description = "Task CPU units (256 = 0.25 vCPU), shared by the app and the collector."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Task memory in MiB, shared by the app and the collector."
  type        = number
  default     = 1024
}

variable "desired_count" {
  description = "Tasks to run."
  type        = number
  default     = 1
}

variable "health_check_path" {
  description = "Liveness path the target group checks (200 expected)."
  type        = string
  default     = "/healthz"
}

variable "readiness_path" {
  description = "Readiness path of the app container's health check (the database is reachable); a deploy whose tasks never get ready is rolled back."
  type        = string
  default     = "/readyz"
}

variable "database" {
  description = "How the app reaches PostgreSQL: the URL without a password, the Secrets Manager secret holding it (JSON key `password`) and that secret's KMS key."
  type = object({
    url                 = string
    password_secret_arn = string
    secret_kms_key_arn  = string
  })
}

variable "environment_variables" {
  description = "More environment variables of the app container."
  type        = map(string)
  default     = {}
}

variable "report_s3_uri" {
  description = "s3://BUCKET/KEY of the report.json the app polls (REPORT_S3_URI); the task role may read exactly that object. null: the app does not poll."
  type        = string
  default     = null

  validation {
    condition     = var.report_s3_uri == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[^*?]*[^/*?]$", var.report_s3_uri))
    error_message = "report_s3_uri must be s3://BUCKET/KEY naming one object (no wildcard, not ending in /)."
  }
}

variable "collector_image" {
  description = "ADOT collector image, pinned to a version (pulled through the ECR pull-through cache when the VPC has no NAT)."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.47.0"
}

variable "amp_remote_write_url" {
  description = "Amazon Managed Service for Prometheus remote write URL (…/workspaces/ws-…/api/v1/remote_write)."
  type        = string
}

variable "amp_workspace_arn" {
  description = "ARN of the AMP workspace the task role may write to (aps:RemoteWrite)."
  type        = string
}

variable "pull_repository_arns" {
  description = "ECR repositories the execution role may pull from (the app's, and the collector's cache)."
  type        = list(string)
}

variable "pull_through_repository_arns" {
  description = "ECR pull-through cache repositories the execution role may also create and fill from upstream on first pull."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the containers' logs."
  type        = number
  default     = 90
}

variable "log_kms_key_arn" {
  description = "KMS key that encrypts the log group; null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}
