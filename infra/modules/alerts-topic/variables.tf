variable "name" {
  description = "Name of the topic (also the key alias alias/<name>), e.g. prod-portal-alerts."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.name))
    error_message = "name must be 1-256 letters, digits, hyphens and underscores (an SNS topic name)."
  }
}

variable "email_addresses" {
  description = "Email addresses subscribed to the topic (each must confirm its subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for address in var.email_addresses : can(regex("^[^@\\s]+@[^@\\s]+$", address))])
    error_message = "email_addresses must be email addresses."
  }
}

variable "publisher_services" {
  description = "Service principals of this account allowed to publish (topic policy) and to encrypt with the topic's key (key policy)."
  type        = list(string)
  default     = ["budgets.amazonaws.com", "events.amazonaws.com"]
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
