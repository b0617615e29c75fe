data "aws_caller_identity" "current" {}

locals {
  scan_filter = coalesce(var.scan_repository_filter, var.repository_name)
}

resource "aws_ecr_repository" "app" {
  name = var.repository_name
  # The scan gate resolves a tag to a digest once; immutable tags make that
  # resolution stable, so the digest that was scanned is the one deployed.
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_delete

  encryption_configuration {
    encryption_type = var.kms_key_arn == null ? "AES256" : "KMS"
    kms_key         = var.kms_key_arn
  }

  # Basic scan-on-push is superseded by the registry-level ENHANCED
  # configuration below; ECR ignores this flag once enhanced scanning is on.
  image_scanning_configuration {
    scan_on_push = true
  }

  tags = var.tags
}

# What the registry keeps: the release images (tagged with main's commit sha by deploy.yml, and
# whatever else is tagged) forever; pull request images (pr-<number>-<sha>, pr-checks.yml) for
# pr_image_expiry_days; untagged manifests (a push that failed half way) for
# untagged_image_expiry_days. No rule selects tagStatus "any" or a tag other than pr-, so a
# release image is never selected. ECR selects a tagged image when ANY of its tags has the
# prefix, and expiring an image deletes all its tags; a release and a pull request image never
# share a digest here, since each build labels the image with its own commit
# (org.opencontainers.image.revision: the PR's merge-ref commit is never main's).
locals {
  lifecycle_rules = [
    {
      rulePriority = 1
      description  = "Expire pull request images (pr- tags) ${var.pr_image_expiry_days} days after push"
      selection = {
        tagStatus     = "tagged"
        tagPrefixList = ["pr-"]
        countType     = "sinceImagePushed"
        countUnit     = "days"
        countNumber   = var.pr_image_expiry_days
      }
      action = { type = "expire" }
    },
    {
      rulePriority = 2
      description  = "Expire untagged images ${var.untagged_image_expiry_days} days after push"
      selection = {
        tagStatus   = "untagged"
        countType   = "sinceImagePushed"
        countUnit   = "days"
        countNumber = var.untagged_image_expiry_days
      }
      action = { type = "expire" }
    },
  ]
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy     = jsonencode({ rules = local.lifecycle_rules })
}

# Registry-wide singleton: applying this replaces any scanning rules already set
# in the account and region. Keep every rule the account needs in this resource.
resource "aws_ecr_registry_scanning_configuration" "this" {
  scan_type = "ENHANCED"

  rule {
    scan_frequency = "CONTINUOUS_SCAN"
    repository_filter {
      filter      = local.scan_filter
      filter_type = "WILDCARD"
    }
  }
}

# Enhanced scanning findings come from Inspector2; without it enabled for ECR
# the scan status never leaves PENDING and the gate times out.
resource "aws_inspector2_enabler" "ecr" {
  count          = var.enable_inspector ? 1 : 0
  account_ids    = [data.aws_caller_identity.current.account_id]
  resource_types = ["ECR"]
}

# public.ecr.aws has no VPC endpoint. Through this rule, `<registry>/<prefix>/<upstream path>`
# is served from the private registry (the ECR endpoints), and ECR fetches it from ECR Public on
# first pull. ECR Public needs no credentials.
resource "aws_ecr_pull_through_cache_rule" "ecr_public" {
  count                 = var.ecr_public_cache_prefix == null ? 0 : 1
  ecr_repository_prefix = var.ecr_public_cache_prefix
  upstream_registry_url = "public.ecr.aws"
}
