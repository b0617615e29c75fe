variable "name" {
  description = "Name prefix of every resource (`<environment>-<service>`, so the tag policy derives Environment and Service from it)."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC (/16 to /20: every subnet is carved out of it)."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && try(tonumber(split("/", var.cidr_block)[1]) <= 20, false)
    error_message = "cidr_block must be an IPv4 CIDR block of /20 or larger."
  }
}

variable "az_count" {
  description = "Availability zones to spread the subnets over (an ALB needs two; RDS subnet groups need two)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "nat_gateway" {
  description = "Create one NAT gateway so the private subnets reach the internet. Off by default: the VPC endpoints cover every AWS API the tasks call."
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "AWS services (the part after com.amazonaws.<region>.) that get an interface endpoint in the private subnets."
  type        = list(string)
  default = [
    "ssm",
    "ssmmessages",
    "ec2messages",
    "ecr.api",
    "ecr.dkr",
    "logs",
    "secretsmanager",
    "aps-workspaces",
    "xray",
    "sts",
  ]
}

variable "flow_log_retention_days" {
  description = "Days CloudWatch Logs keeps the VPC flow log records."
  type        = number
  default     = 365
}

variable "flow_log_kms_key_arn" {
  description = "KMS key that encrypts the flow log group; null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}
