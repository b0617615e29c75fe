variable "name" {
  description = "The Lambda's folder under actions/dist/lambda (auto-tag, finding-alert): the default bundle, the role's description and the inline policy names assetguard-<name>-logs and assetguard-<name>-dead-letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.name))
    error_message = "name must be a kebab-case folder name under actions/dist/lambda, such as auto-tag."
  }
}

variable "function_name" {
  description = "Name of the Lambda function; also names its role, its log group /aws/lambda/<function_name> and its dead-letter queue <function_name>-dlq."
  type        = string
}

variable "description" {
  description = "Description of the Lambda function (what it does, for the console)."
  type        = string
}

variable "bundle_dir" {
  description = "Directory holding the committed bundle (index.js, its chunks and package.json: ES modules) that is zipped and deployed; null means the repository's actions/dist/lambda/<name>. Run npm run build first if you changed actions/src/lambda."
  type        = string
  default     = null
}

variable "runtime" {
  description = "Lambda Node.js runtime; the bundles need nodejs20.x or later."
  type        = string

  validation {
    condition     = contains(["nodejs20.x", "nodejs22.x"], var.runtime)
    error_message = "runtime must be nodejs20.x or nodejs22.x."
  }
}

variable "timeout" {
  description = "Lambda timeout in seconds."
  type        = number
}

variable "memory_size" {
  description = "Lambda memory in MB."
  type        = number
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency for the function; null leaves it unreserved (the account's pool)."
  type        = number
  default     = null
}

variable "environment" {
  description = "Environment variables of the function (the names its handler reads)."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Retention of the function's CloudWatch log group, in days."
  type        = number
}

variable "maximum_retry_attempts" {
  description = "Retries of a failed asynchronous invocation (0-2) before the event goes to the dead-letter queue."
  type        = number

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 2
    error_message = "maximum_retry_attempts must be between 0 and 2."
  }
}

variable "create_dead_letter_queue" {
  description = "Create an SQS queue that receives the events the function failed on after its retries, and let the role send to it."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the dead-letter queue; null uses SQS-managed encryption. The calling module grants the role the use of it."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
