variable "name" {
  description = "Name of the budget, e.g. prod-portal-monthly."
  type        = string
}

variable "limit_amount" {
  description = "Monthly cost limit in USD."
  type        = number

  validation {
    condition     = var.limit_amount > 0
    error_message = "limit_amount must be a positive amount of USD."
  }
}

variable "topic_arn" {
  description = "SNS topic every notification is sent to (modules/alerts-topic; its policy must let budgets.amazonaws.com publish and use its key)."
  type        = string
}

variable "email_addresses" {
  description = "Email addresses notified directly as well (at most 10 per notification)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.email_addresses) <= 10
    error_message = "A budget notification takes at most 10 email subscribers."
  }
}

variable "actual_thresholds" {
  description = "Percentages of the limit that actual spend passing notifies."
  type        = list(number)
  default     = [80, 100]
}

variable "forecasted_thresholds" {
  description = "Percentages of the limit that the month's forecast passing notifies."
  type        = list(number)
  default     = [100]
}

variable "tags" {
  description = "Tags added to the budget (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
