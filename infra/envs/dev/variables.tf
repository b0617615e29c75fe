variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows deploy this environment; the github provider manages its Actions variables (token from GITHUB_TOKEN)."
  type        = string
}

variable "owner" {
  description = "Owner tag of every resource (an address the tag policy accepts: ^[^@]+@example\\.com$)."
  type        = string
  default     = "platform-security@example.com"
}

variable "data_classification" {
  description = "DataClassification tag of every resource (public, internal, confidential or restricted)."
  type        = string
  default     = "internal"
}

variable "certificate_arn" {
  description = "ACM certificate (same region) of the portal's HTTPS listener."
  type        = string
}
