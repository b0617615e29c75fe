# One whole environment. Files by concern: workload.tf (network, portal service, database,
# buckets), security.tf / observability.tf / lambdas.tf (account controls, AMP/AMG, Lambdas),
# github.tf (OIDC roles and the repository's Actions variables).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  # Every resource name starts with this, which is what the tag policy's derive rules read:
  # Environment from ^(prod|staging|dev)- and Service from the word after it.
  name       = "${var.environment}-${var.service}"
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  registry   = "${local.account_id}.dkr.ecr.${local.region}.amazonaws.com"

  # The repository name is shared by every environment of the account, and named by the
  # exception scope of .github/assetguard.yml: rename both together.
  ecr_repository_name = "assetguard-demo"
  ecr_repository_arn  = var.account_baseline ? module.ecr[0].repository_arn : data.aws_ecr_repository.app[0].arn
  ecr_repository_url  = var.account_baseline ? module.ecr[0].repository_url : data.aws_ecr_repository.app[0].repository_url

  # Prefix of the pull-through cache of Amazon ECR Public (the ADOT collector image).
  ecr_public_cache_prefix = "ecr-public"
}

# The repository, its registry scanning configuration and Inspector2 for ECR are per account and
# region: the baseline root creates them; an environment that shares the account looks them up.
module "ecr" {
  source = "../ecr-scanning"
  count  = var.account_baseline ? 1 : 0

  repository_name         = local.ecr_repository_name
  force_delete            = var.force_destroy
  ecr_public_cache_prefix = local.ecr_public_cache_prefix
  # security.tf enables Inspector2 for ECR together with EC2 and Lambda (modules/inspector2);
  # a second enabler of the same account would undo the first one's resource types.
  enable_inspector = false
}

data "aws_ecr_repository" "app" {
  count = var.account_baseline ? 0 : 1
  name  = local.ecr_repository_name
}
