variable "automation_role_name" {
  description = "Name of the role SSM Automation assumes (the AutomationAssumeRole of every remediation). The remediate role in modules/github-oidc's permissions.json lets the remediate workflow pass only a role of this name."
  type        = string
  default     = "assetguard-remediation-automation"
}

variable "runbooks" {
  description = "The AWS runbooks the automation role may run (each gets exactly its own calls, from policies/runbook-permissions.json). The default is every document of actions/src/core/controls.json; leave out the ones you never remediate with."
  type        = list(string)
  default = [
    "AWS-AttachIAMToInstance",
    "AWSConfigRemediation-ConfigureS3PublicAccessBlock",
    "AWS-DisableS3BucketPublicReadWrite",
    "AWSConfigRemediation-RestrictBucketSSLRequestsOnly",
    "AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules",
    "AWSConfigRemediation-EnableEbsEncryptionByDefault",
    "AWSConfigRemediation-EnforceEC2InstanceIMDSv2",
    "AWS-DisableIncomingSSHOnPort22",
    "AWSConfigRemediation-SetIAMPasswordPolicy",
    "AWSConfigRemediation-RevokeUnusedIAMUserCredentials",
    "AWSConfigRemediation-EnableKeyRotation",
    "AWSConfigRemediation-DisablePublicAccessToRDSInstance",
  ]
}

variable "instance_role_names" {
  description = "Roles AWS-AttachIAMToInstance may attach to instances (its RoleName parameter; controls.json uses AmazonSSMRoleForInstancesQuickSetup). The automation role may pass only these."
  type        = list(string)
  default     = ["AmazonSSMRoleForInstancesQuickSetup"]

  validation {
    condition     = alltrue([for name in var.instance_role_names : can(regex("^[\\w+=,.@-]{1,64}$", name))])
    error_message = "instance_role_names must be IAM role names (1-64 of letters, digits and +=,.@_-)."
  }
}

variable "audit_bucket_name" {
  description = "Name of the audit record bucket; null lets Terraform pick a unique name starting assetguard-remediation-audit-."
  type        = string
  default     = null
}

variable "audit_prefix" {
  description = "Key prefix of the audit records (the remediate workflow's audit input is s3://<bucket>/<prefix>/). The remediate role (modules/github-oidc permissions.json) allows writing under assetguard/remediation-audit/ only."
  type        = string
  default     = "assetguard/remediation-audit"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*/?$", var.audit_prefix))
    error_message = "audit_prefix must be an S3 key prefix such as assetguard/remediation-audit."
  }
}

variable "audit_retention_days" {
  description = "Days an audit record is kept before the lifecycle rule expires it (the daily report reads the recent ones)."
  type        = number
  default     = 400

  validation {
    condition     = var.audit_retention_days >= 1
    error_message = "audit_retention_days must be at least 1."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days an overwritten (noncurrent) version of an object is kept."
  type        = number
  default     = 30
}

variable "protect_audit_records" {
  description = "Deny s3:DeleteObject and s3:DeleteObjectVersion on the audit records to every principal (the lifecycle rule still expires them). Turn off for a throwaway environment you want terraform destroy to empty."
  type        = bool
  default     = true
}

variable "audit_bucket_force_destroy" {
  description = "Let terraform destroy delete the bucket with its records (needs protect_audit_records = false)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the audit bucket; null uses SSE-S3 (AES256). With a key, the remediate workflow's role also needs kms:GenerateDataKey on it."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource this module creates (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
