# The variables every file of the stack shares. Each file declares the ones only it uses.

variable "environment" {
  description = "Environment this stack is: its resources are named `<environment>-<service>-…` and tagged Environment=<environment>."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be \"dev\" or \"prod\"."
  }
}

variable "account_baseline" {
  description = "This root also creates the account and region singletons (Config recorder, Security Hub, Inspector2, budgets, AMP/AMG, the Lambdas, the OIDC provider and shared GitHub roles, the ECR repository, the tag policy parameter). true in prod; false in an environment that shares prod's account."
  type        = bool
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows deploy this stack."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "service" {
  description = "Service name: the second part of every resource name, so the tag policy derives Service from it."
  type        = string
  default     = "portal"

  validation {
    condition     = can(regex("^[a-z0-9]+$", var.service))
    error_message = "service must be lowercase letters and digits (the tag policy's derive pattern captures [a-z0-9]+)."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the buckets and the ECR repository while they still hold objects (throwaway environments only)."
  type        = bool
  default     = false
}

# --- workload.tf ----------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the environment's VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Availability zones the subnets span (at least 2)."
  type        = number
  default     = 2
}

variable "nat_gateway" {
  description = "Give the private subnets a NAT gateway (internet egress for the tasks). Off: the VPC endpoints cover what the tasks call."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate (same region) the ALB's HTTPS listener presents."
  type        = string
}

variable "app_image_tag" {
  description = "Tag of the app image in the stack's ECR repository for the first task definition only: the deploy workflow replaces it on every release, and Terraform ignores that."
  type        = string
  default     = "bootstrap"
}

variable "app_cpu" {
  description = "Task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 512
}

variable "app_memory" {
  description = "Task memory in MiB."
  type        = number
  default     = 1024
}

variable "app_desired_count" {
  description = "Tasks of the portal service."
  type        = number
  default     = 2
}

variable "collector_version" {
  description = "Version tag of the ADOT collector image (public.ecr.aws/aws-observability/aws-otel-collector), served through the ECR pull-through cache."
  type        = string
  default     = "v0.47.0"
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the containers' logs and the VPC flow log."
  type        = number
  default     = 90
}

variable "db_instance_class" {
  description = "RDS instance class of the portal's PostgreSQL."
  type        = string
  default     = "db.t4g.small"
}

variable "db_allocated_storage" {
  description = "Initial database storage in GiB."
  type        = number
  default     = 20
}

variable "db_multi_az" {
  description = "Run a standby database in a second availability zone."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Days of automated database backups."
  type        = number
  default     = 7
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (on in prod)."
  type        = bool
  default     = true
}

variable "db_iam_authentication" {
  description = "Allow IAM database authentication."
  type        = bool
  default     = false
}

variable "report_expiration_days" {
  description = "Days after which daily report objects expire in the report bucket."
  type        = number
  default     = 400
}
