# The tag policy in SSM Parameter Store, where the auto-tag and finding-alert Lambdas read it:
# the text of the policy file this repository reviews, exactly as `assetguard tags publish`
# writes it (same value, type String, same "sha256:" description), so a publish and an apply of
# the same commit agree and neither undoes the other. Parameter Store versions every change.

locals {
  text = file(var.policy_file)
}

resource "aws_ssm_parameter" "this" {
  name = var.name
  type = "String"
  # Standard holds 4 KB and Advanced 8 KB; publish refuses a policy over 8 KB. Intelligent-Tiering
  # picks Standard unless the value needs Advanced, and never moves an Advanced one back.
  tier           = "Intelligent-Tiering"
  insecure_value = local.text
  # The prefix actions/src/sinks/parameter-store.ts DESCRIPTION_PREFIX writes, then the hash.
  description = "assetguard tag policy sha256:${sha256(local.text)}"

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(local.text) <= 8192
      error_message = "tag-policy-parameter: ${var.policy_file} is larger than an SSM parameter holds (8 KB, Advanced tier)."
    }
  }
}
