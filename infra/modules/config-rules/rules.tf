# The AWS Config managed rules of the control mapping table (actions/src/core/controls.json):
# one rule per managed rule identifier there, controls and otherRules alike, named with the
# table's configRuleName, which is the name the compliance gate resolves a deployed rule by
# (controls.ts controlForConfigRuleName). Security Hub's consolidated controls deploy their own
# securityhub-<name>-<suffix> rules beside these; the gate reads both forms.
#
# __tests__/infra/config-rules.test.ts and the recorder's preconditions (main.tf) hold this list
# to the table: a control added there without a rule here fails both.

locals {
  # Rule name (the table's configRuleName) => managed rule identifier (configRuleIdentifier).
  managed_rules = {
    "ec2-instance-managed-by-systems-manager"           = "EC2_INSTANCE_MANAGED_BY_SSM"
    "ec2-managedinstance-patch-compliance-status-check" = "EC2_MANAGEDINSTANCE_PATCH_COMPLIANCE_STATUS_CHECK"
    "s3-account-level-public-access-blocks-periodic"    = "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC"
    "s3-bucket-public-read-prohibited"                  = "S3_BUCKET_PUBLIC_READ_PROHIBITED"
    "s3-bucket-public-write-prohibited"                 = "S3_BUCKET_PUBLIC_WRITE_PROHIBITED"
    "s3-bucket-ssl-requests-only"                       = "S3_BUCKET_SSL_REQUESTS_ONLY"
    "s3-bucket-level-public-access-prohibited"          = "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"
    "ebs-snapshot-public-restorable-check"              = "EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK"
    "vpc-default-security-group-closed"                 = "VPC_DEFAULT_SECURITY_GROUP_CLOSED"
    "encrypted-volumes"                                 = "ENCRYPTED_VOLUMES"
    "vpc-flow-logs-enabled"                             = "VPC_FLOW_LOGS_ENABLED"
    "ec2-ebs-encryption-by-default"                     = "EC2_EBS_ENCRYPTION_BY_DEFAULT"
    "ec2-imdsv2-check"                                  = "EC2_IMDSV2_CHECK"
    "ec2-instance-no-public-ip"                         = "EC2_INSTANCE_NO_PUBLIC_IP"
    "restricted-ssh"                                    = "INCOMING_SSH_DISABLED"
    "iam-policy-no-statements-with-admin-access"        = "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS"
    "access-keys-rotated"                               = "ACCESS_KEYS_ROTATED"
    "iam-root-access-key-check"                         = "IAM_ROOT_ACCESS_KEY_CHECK"
    "mfa-enabled-for-iam-console-access"                = "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS"
    "root-account-hardware-mfa-enabled"                 = "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED"
    "iam-password-policy"                               = "IAM_PASSWORD_POLICY"
    "iam-user-unused-credentials-check"                 = "IAM_USER_UNUSED_CREDENTIALS_CHECK"
    "cmk-backing-key-rotation-enabled"                  = "CMK_BACKING_KEY_ROTATION_ENABLED"
    "multi-region-cloudtrail-enabled"                   = "MULTI_REGION_CLOUD_TRAIL_ENABLED"
    "cloud-trail-encryption-enabled"                    = "CLOUD_TRAIL_ENCRYPTION_ENABLED"
    "cloud-trail-log-file-validation-enabled"           = "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED"
    "cloud-trail-cloud-watch-logs-enabled"              = "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED"
    "guardduty-enabled-centralized"                     = "GUARDDUTY_ENABLED_CENTRALIZED"
    "ecr-private-image-scanning-enabled"                = "ECR_PRIVATE_IMAGE_SCANNING_ENABLED"
    "ecr-private-tag-immutability-enabled"              = "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED"
    "ecr-private-lifecycle-policy-configured"           = "ECR_PRIVATE_LIFECYCLE_POLICY_CONFIGURED"
    "rds-snapshots-public-prohibited"                   = "RDS_SNAPSHOTS_PUBLIC_PROHIBITED"
    "rds-instance-public-access-check"                  = "RDS_INSTANCE_PUBLIC_ACCESS_CHECK"
    "rds-storage-encrypted"                             = "RDS_STORAGE_ENCRYPTED"
    "required-tags"                                     = "REQUIRED_TAGS"
    "restricted-common-ports"                           = "RESTRICTED_INCOMING_TRAFFIC"
  }

  # Input parameters, where the rule needs one or the table's remediation depends on the value.
  # Config takes every parameter value as a string.
  rule_parameters = {
    # Keep equal to the remediation's MaxCredentialUsageAge (controls.json IAM.8): a smaller
    # value there would revoke credentials this rule still accepts.
    "iam-user-unused-credentials-check" = { maxCredentialUsageAge = "90" }
    "access-keys-rotated"               = { maxAccessKeyAge = "90" }
    # The values AWSConfigRemediation-SetIAMPasswordPolicy sets (controls.json IAM.7), so a
    # remediated account passes; the Require* character classes keep the rule's defaults (true).
    "iam-password-policy" = {
      MinimumPasswordLength   = "14"
      PasswordReusePrevention = "24"
      MaxPasswordAge          = "90"
    }
    # The tag policy's required keys (.github/assetguard.yml tags.required), with their allowed
    # values where the policy lists them.
    "required-tags" = local.required_tags_parameters
    # (A for expression rather than `cond ? {} : {...}`: a conditional's two objects must have
    # the same attributes.)
    "s3-bucket-level-public-access-prohibited" = {
      for name, value in { excludedPublicBuckets = join(",", var.excluded_public_buckets) } : name => value if value != ""
    }
  }

  # REQUIRED_TAGS takes tag1Key..tag6Key and, optionally, tagNValue (comma-separated values).
  required_tag_keys = sort(keys(var.required_tags))
  required_tags_parameters = merge([
    for index, key in local.required_tag_keys : {
      for name, value in { "tag${index + 1}Key" = key, "tag${index + 1}Value" = var.required_tags[key] } : name => value if value != ""
    }
  ]...)

  # "SSM.1: EC2 instances should be managed by ..." for the console and the gate's reports.
  rule_descriptions = merge(
    { for control in local.table.controls : control.configRuleName => "${control.securityHubControl}: ${control.title}" },
    { for rule in local.table.otherRules : rule.configRuleName => rule.title },
  )
}

resource "aws_config_config_rule" "managed" {
  for_each = local.managed_rules

  name        = each.key
  description = substr(lookup(local.rule_descriptions, each.key, each.value), 0, 256)

  source {
    owner             = "AWS"
    source_identifier = each.value
  }

  input_parameters = try(length(local.rule_parameters[each.key]) > 0, false) ? jsonencode(local.rule_parameters[each.key]) : null

  tags = var.tags

  # A rule cannot be created before the region has a configuration recorder.
  depends_on = [aws_config_configuration_recorder.this]
}
