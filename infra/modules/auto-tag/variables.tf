variable "function_name" {
  description = "Name of the auto-tag Lambda function (also names its role, log group, rule and dead-letter queue)."
  type        = string
  default     = "assetguard-auto-tag"
}

variable "bundle_dir" {
  description = "Directory holding the committed bundle (index.js, its chunks and package.json: ES modules) that is zipped and deployed; null means the repository's actions/dist/lambda/auto-tag. Run npm run build first if you changed actions/src/lambda."
  type        = string
  default     = null
}

variable "runtime" {
  description = "Lambda Node.js runtime; the bundle needs nodejs20.x or later."
  type        = string
  default     = "nodejs22.x"
}

variable "tag_policy_parameter" {
  description = "SSM parameter holding the tag policy (what tags publish writes). Passed as ASSETGUARD_TAG_POLICY_PARAMETER; the role may read only this parameter. This module does not create it: modules/tag-policy-parameter does (modules/stack wires both to the same name)."
  type        = string
  default     = "/assetguard/tag-policy"

  validation {
    condition     = can(regex("^/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.tag_policy_parameter))
    error_message = "tag_policy_parameter must be an SSM parameter name such as /assetguard/tag-policy."
  }
}

variable "timeout" {
  description = "Lambda timeout in seconds."
  type        = number
  default     = 30
}

variable "memory_size" {
  description = "Lambda memory in MB."
  type        = number
  default     = 256
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency for the function; null leaves it unreserved (the account's pool)."
  type        = number
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the function's CloudWatch log group, in days."
  type        = number
  default     = 30
}

variable "maximum_retry_attempts" {
  description = "Retries of a failed asynchronous invocation (0-2) before the event goes to the dead-letter queue."
  type        = number
  default     = 2
}

variable "create_dead_letter_queue" {
  description = "Create an SQS queue that receives events the function failed on after its retries (e.g. the policy parameter is missing)."
  type        = bool
  default     = true
}

variable "create_trail" {
  description = "Create a CloudTrail trail (and its S3 bucket) for management events. EventBridge receives \"AWS API Call via CloudTrail\" events only while a trail records them; leave false when the account or organization already has one."
  type        = bool
  default     = false
}

variable "trail_bucket_force_destroy" {
  description = "Let terraform destroy delete the trail bucket with its log objects (only when create_trail is true)."
  type        = bool
  default     = false
}

variable "trail_retention_days" {
  description = "Days the trail's log files are kept in its bucket (only when create_trail is true)."
  type        = number
  default     = 90

  validation {
    condition     = var.trail_retention_days >= 1
    error_message = "trail_retention_days must be at least 1."
  }
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
