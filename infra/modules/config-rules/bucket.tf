# Where the delivery channel writes configuration snapshots and history: the repository's one
# secure bucket (private, encrypted, TLS only, expiring after snapshot_retention_days); the
# compliance gate reads Config's API, never these files.

locals {
  key_prefix = trimsuffix(var.key_prefix, "/")
}

module "bucket" {
  source = "../s3-bucket"

  # Bucket names are global: the account id keeps two accounts' stacks apart.
  bucket_name     = "${var.name}-config-${local.account}"
  force_destroy   = var.bucket_force_destroy
  kms_key_arn     = var.kms_key_arn
  expiration_days = var.snapshot_retention_days
  # Config rewrites history objects under new keys; there is nothing to restore a version of.
  versioning = false
}
