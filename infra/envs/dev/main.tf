# The dev environment: the stack with dev's names, tags and sizes. It shares the account with
# prod, so prod's root owns the account singletons (account_baseline there).

locals {
  environment = "dev"
  service     = "portal"

  # Every resource carries these (the tag policy of .github/assetguard.yml requires the first four).
  default_tags = {
    Environment        = local.environment
    Owner              = var.owner
    DataClassification = var.data_classification
    Service            = local.service
    ManagedBy          = "terraform"
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.default_tags
  }
}

provider "github" {
  owner = split("/", var.github_repository)[0]
}

# Amazon Managed Grafana: the URL and a service account token are outputs of the stack's
# observability.tf (grafana_url, grafana_token). A provider configured from values that exist only
# after an apply cannot plan its own resources before them: the first apply targets the
# workspace and its token first (infra/README.md, step 4).
provider "grafana" {
  url  = module.stack.grafana_url
  auth = module.stack.grafana_token
}

module "stack" {
  source = "../../modules/stack"

  environment       = local.environment
  service           = local.service
  account_baseline  = false
  github_repository = var.github_repository
  certificate_arn   = var.certificate_arn

  github_deploy_reviewers = var.github_deploy_reviewers

  # Smaller and disposable.
  vpc_cidr                 = "10.20.0.0/16"
  app_cpu                  = 256
  app_memory               = 512
  app_desired_count        = 1
  db_instance_class        = "db.t4g.micro"
  db_deletion_protection   = false
  db_backup_retention_days = 1
  log_retention_days       = 30
  force_destroy            = true
}
