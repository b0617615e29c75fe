variable "bucket_name" {
  description = "Name of the bucket (globally unique; the stack names it `<environment>-<service>-<purpose>-<account id>`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3 to 63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the bucket while it still holds objects (throwaway environments only)."
  type        = bool
  default     = false
}

variable "versioning" {
  description = "Keep every version of every object (Enabled); false suspends versioning."
  type        = bool
  default     = true
}

variable "expiration_days" {
  description = "Days after which current objects expire; null keeps them until deleted."
  type        = number
  default     = null

  validation {
    condition     = var.expiration_days == null || try(var.expiration_days >= 1, false)
    error_message = "expiration_days must be null or at least 1."
  }
}

variable "noncurrent_expiration_days" {
  description = "Days after which a version that is no longer current is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_expiration_days >= 1
    error_message = "noncurrent_expiration_days must be at least 1."
  }
}

variable "kms_key_arn" {
  description = "KMS key for default encryption (SSE-KMS with an S3 Bucket Key); null uses SSE-S3 (AES256)."
  type        = string
  default     = null
}
