variable "function_name" {
  description = "Name of the finding-alert Lambda function (also names its role, log group, rules, table, topic and dead-letter queue)."
  type        = string
  default     = "assetguard-finding-alert"
}

variable "bundle_dir" {
  description = "Directory holding the committed bundle (index.js, its chunks and package.json: ES modules) that is zipped and deployed; null means the repository's actions/dist/lambda/finding-alert. Run npm run build first if you changed actions/src/lambda."
  type        = string
  default     = null
}

variable "runtime" {
  description = "Lambda Node.js runtime; the bundle needs nodejs20.x or later."
  type        = string
  default     = "nodejs22.x"
}

variable "alert_severity" {
  description = "Lowest severity the EventBridge rules deliver (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or UNTRIAGED). The rules only pre-filter: the policy's report.alert-severity decides. Keep it at or below that setting, or findings the policy would alert on never reach the function."
  type        = string
  default     = "HIGH"

  validation {
    condition     = contains(["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED"], var.alert_severity)
    error_message = "alert_severity must be one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED."
  }
}

variable "policy_parameter" {
  description = "SSM parameter holding the assetguard policy (what tags publish writes); its report.alert-severity and report.owner-tag are used. Passed as ASSETGUARD_POLICY_PARAMETER; null uses the built-in default policy (HIGH and above, owner tag Owner). This module does not create it."
  type        = string
  default     = "/assetguard/tag-policy"

  validation {
    condition     = var.policy_parameter == null || can(regex("^/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.policy_parameter))
    error_message = "policy_parameter must be an SSM parameter name such as /assetguard/tag-policy, or null."
  }
}

variable "slack_webhook_parameter" {
  description = "SSM SecureString parameter holding the Slack incoming-webhook URL, read once per cold start (passed as ASSETGUARD_SLACK_WEBHOOK_PARAMETER); null sends no Slack alerts. Create it outside Terraform so the URL stays out of the state."
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
  description = "ARN of a customer managed KMS key for the topic, the table and the dead-letter queue; the role may use it. null uses the AWS managed keys (aws/sns, aws/dynamodb) and SQS-managed encryption."
  type        = string
  default     = null
}

variable "owner_emails" {
  description = "Email subscriptions per owner: the key is an owner tag value (or \"unowned\" for alerts whose resource has no owner tag), the value its addresses. Each subscription filters on the alert's owner message attribute. Every address must confirm its subscription."
  type        = map(list(string))
  default     = {}
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

variable "table_deletion_protection" {
  description = "Protect the table of sent alerts from deletion (losing it re-sends alerts of findings updated since)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
