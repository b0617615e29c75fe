# The remediations the control mapping table maps: one per rule whose remediation names an
# AWS-owned Automation runbook, with the table's parameters. Config starts them only when asked
# (console, or StartRemediationExecution); the table marks none safe to run automatically, and
# `assetguard remediate` remains the reviewed path (dry run, approval environment, audit record).
#
# Traps kept here (the table's traps):
# - AWS-AttachIAMToInstance defaults ForceReplace=true, which swaps out an instance's own
#   profile: it is passed as "false", and the automation role cannot disassociate a profile.
# - restricted-ssh uses AWS-DisableIncomingSSHOnPort22, not AWS-DisablePublicAccessForSecurityGroup
#   (which fails outside the default VPC).
# - restricted-common-ports and required-tags have no runbook (AWS-SetRequiredTags does not fit).
# - Every runbook gets AutomationAssumeRole: the remediation module's automation role.

locals {
  # Rule name => runbook, the parameter that takes the non-compliant resource's id (Config's
  # RESOURCE_ID; null for account-level runbooks) and the fixed parameters.
  remediations = {
    "ec2-instance-managed-by-systems-manager" = {
      document           = "AWS-AttachIAMToInstance"
      resource_parameter = "InstanceId"
      static_parameters  = { RoleName = "AmazonSSMRoleForInstancesQuickSetup", ForceReplace = "false" }
    }
    "s3-account-level-public-access-blocks-periodic" = {
      document           = "AWSConfigRemediation-ConfigureS3PublicAccessBlock"
      resource_parameter = "AccountId"
      static_parameters  = {}
    }
    "s3-bucket-public-read-prohibited" = {
      document           = "AWS-DisableS3BucketPublicReadWrite"
      resource_parameter = "S3BucketName"
      static_parameters  = {}
    }
    "s3-bucket-public-write-prohibited" = {
      document           = "AWS-DisableS3BucketPublicReadWrite"
      resource_parameter = "S3BucketName"
      static_parameters  = {}
    }
    "s3-bucket-ssl-requests-only" = {
      document           = "AWSConfigRemediation-RestrictBucketSSLRequestsOnly"
      resource_parameter = "BucketName"
      static_parameters  = {}
    }
    "s3-bucket-level-public-access-prohibited" = {
      document           = "AWS-DisableS3BucketPublicReadWrite"
      resource_parameter = "S3BucketName"
      static_parameters  = {}
    }
    "vpc-default-security-group-closed" = {
      document           = "AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules"
      resource_parameter = "GroupId"
      static_parameters  = {}
    }
    "ec2-ebs-encryption-by-default" = {
      document           = "AWSConfigRemediation-EnableEbsEncryptionByDefault"
      resource_parameter = null
      static_parameters  = {}
    }
    "ec2-imdsv2-check" = {
      document           = "AWSConfigRemediation-EnforceEC2InstanceIMDSv2"
      resource_parameter = "InstanceId"
      static_parameters  = {}
    }
    "restricted-ssh" = {
      document           = "AWS-DisableIncomingSSHOnPort22"
      resource_parameter = "SecurityGroupIds"
      static_parameters  = {}
    }
    "iam-password-policy" = {
      document           = "AWSConfigRemediation-SetIAMPasswordPolicy"
      resource_parameter = null
      # The runbook's own defaults are weak (length 6, no reuse prevention, no expiry).
      static_parameters = {
        MinimumPasswordLength      = "14"
        PasswordReusePrevention    = "24"
        MaxPasswordAge             = "90"
        AllowUsersToChangePassword = "true"
      }
    }
    "iam-user-unused-credentials-check" = {
      document           = "AWSConfigRemediation-RevokeUnusedIAMUserCredentials"
      resource_parameter = "IAMResourceId"
      static_parameters  = { MaxCredentialUsageAge = "90" }
    }
    "cmk-backing-key-rotation-enabled" = {
      document           = "AWSConfigRemediation-EnableKeyRotation"
      resource_parameter = "KeyId"
      static_parameters  = {}
    }
    "rds-instance-public-access-check" = {
      document           = "AWSConfigRemediation-DisablePublicAccessToRDSInstance"
      resource_parameter = "DbInstanceResourceId"
      static_parameters  = {}
    }
  }
}

resource "aws_config_remediation_configuration" "this" {
  for_each = local.remediations

  config_rule_name = aws_config_config_rule.managed[each.key].name
  target_type      = "SSM_DOCUMENT"
  target_id        = each.value.document
  automatic        = false

  parameter {
    name         = "AutomationAssumeRole"
    static_value = var.automation_role_arn
  }

  dynamic "parameter" {
    for_each = each.value.resource_parameter == null ? [] : [each.value.resource_parameter]
    content {
      name           = parameter.value
      resource_value = "RESOURCE_ID"
    }
  }

  dynamic "parameter" {
    for_each = each.value.static_parameters
    content {
      name         = parameter.key
      static_value = parameter.value
    }
  }

  lifecycle {
    precondition {
      condition     = lookup(each.value.static_parameters, "ForceReplace", "false") == "false"
      error_message = "config-rules: ${each.key} would run ${each.value.document} with ForceReplace other than \"false\", which replaces an instance's own profile."
    }
  }
}
