variable "function_name" {
  description = "Name of the ssm-role-fixer Lambda function (also names its role, log group, rules, topic and dead-letter queue). The module covers one region: deploying it in a second region of the account needs another name there (e.g. with the region in it), since the IAM role's name is global."
  type        = string
  default     = "assetguard-ssm-role-fixer"
}

variable "bundle_dir" {
  description = "Directory holding the committed bundle (index.js, its chunks and package.json: ES modules) that is zipped and deployed; null means the repository's actions/dist/lambda/ssm-role-fixer. Run npm run build first if you changed actions/src/lambda."
  type        = string
  default     = null
}

variable "runtime" {
  description = "Lambda Node.js runtime; the bundle needs nodejs20.x or later."
  type        = string
  default     = "nodejs22.x"
}

variable "exception_role_names" {
  description = "IAM role names the fixer leaves alone (passed as ASSETGUARD_SSM_FIXER_EXCEPTIONS; matched whatever their case). The role is also denied iam:AttachRolePolicy on them."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.exception_role_names : can(regex("^[\\w+=,.@-]{1,64}$", name))])
    error_message = "exception_role_names must be IAM role names (1-64 of letters, digits and +=,.@_-)."
  }
}

variable "create_default_profile" {
  description = "Give an instance that has no instance profile the default one (created if missing, with AmazonSSMManagedInstanceCore) through AssociateIamInstanceProfile. Off by default: an instance without a profile is then only reported. Passed as ASSETGUARD_SSM_FIXER_CREATE_DEFAULT_PROFILE; only when true may the function create that one role and profile and pass that role."
  type        = bool
  default     = false
}

variable "default_role_name" {
  description = "Name of the default role (passed as ASSETGUARD_SSM_FIXER_DEFAULT_ROLE); EC2 may assume it and it holds only AmazonSSMManagedInstanceCore."
  type        = string
  default     = "assetguard-ssm-managed-instance"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.default_role_name))
    error_message = "default_role_name must be an IAM role name (1-64 of letters, digits and +=,.@_-)."
  }
}

variable "default_profile_name" {
  description = "Name of the default instance profile (passed as ASSETGUARD_SSM_FIXER_DEFAULT_PROFILE); null uses default_role_name."
  type        = string
  default     = null

  validation {
    condition     = var.default_profile_name == null || can(regex("^[\\w+=,.@-]{1,128}$", var.default_profile_name))
    error_message = "default_profile_name must be an IAM instance profile name (letters, digits and +=,.@_-), or null."
  }
}

variable "topic_arn" {
  description = "ARN of an existing SNS topic for the reports (passed as ASSETGUARD_ALERT_TOPIC_ARN); null creates <function_name>-reports. A topic whose subscriptions filter on finding-alert's owner attribute drops these reports: they carry source and kind attributes only."
  type        = string
  default     = null
}

variable "report_emails" {
  description = "Email addresses subscribed to the reports topic (each must confirm its subscription)."
  type        = list(string)
  default     = []
}

variable "slack_webhook_parameter" {
  description = "SSM SecureString parameter holding the Slack incoming-webhook URL, read once per cold start (passed as ASSETGUARD_SLACK_WEBHOOK_PARAMETER); null sends no Slack reports. Create it outside Terraform so the URL stays out of the state."
  type        = string
  default     = null

  validation {
    condition     = var.slack_webhook_parameter == null || can(regex("^/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.slack_webhook_parameter))
    error_message = "slack_webhook_parameter must be an SSM parameter name such as /assetguard/slack-webhook, or null."
  }
}

variable "slack_webhook_kms_key_arn" {
  description = "ARN of the customer managed KMS key the Slack SecureString is encrypted with; the role may decrypt with it. null when it uses the AWS managed key aws/ssm."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the topic and the dead-letter queue; the role may use it. null uses the AWS managed key aws/sns and SQS-managed encryption."
  type        = string
  default     = null
}

variable "timeout" {
  description = "Lambda timeout in seconds (associating a just-created default profile waits up to 15 s for IAM to propagate)."
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

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
