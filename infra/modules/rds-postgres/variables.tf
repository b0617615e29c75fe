variable "name" {
  description = "Name prefix of every resource (`<environment>-<service>`); the instance is `<name>-db`."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the DB subnet group (two or more availability zones)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs subnets in at least two availability zones (an RDS subnet group requires two)."
  }
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 5432 (the ECS tasks' group); nothing else is admitted."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL major (or major.minor) version; minor upgrades are applied automatically."
  type        = string
  default     = "17"
}

variable "instance_class" {
  description = "DB instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "allocated_storage" {
  description = "Initial storage in GiB (gp3)."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB; equal to allocated_storage turns autoscaling off."
  type        = number
  default     = 100
}

variable "db_name" {
  description = "Name of the database created in the instance."
  type        = string
  default     = "portal"
}

variable "username" {
  description = "Master user name. Its password is generated and kept in Secrets Manager by RDS (never in Terraform state)."
  type        = string
  default     = "portal"
}

variable "multi_az" {
  description = "Run a standby in a second availability zone."
  type        = bool
  default     = false
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35 (0 would turn backups off)."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance (prod: true; set false and apply before a destroy)."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot (throwaway environments only)."
  type        = bool
  default     = false
}

variable "iam_database_authentication" {
  description = "Allow IAM database authentication besides the password."
  type        = bool
  default     = false
}

variable "performance_insights" {
  description = "Turn on Performance Insights (encrypted with the module's KMS key, 7 days retention, free tier)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "KMS key for storage, Performance Insights and the master password secret; null creates one for this database."
  type        = string
  default     = null
}
