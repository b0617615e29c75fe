# The portal workload: VPC, the ECS service behind its ALB, PostgreSQL, and the report and state
# buckets of the daily report. AMP comes from observability.tf (local.amp_workspace_arn,
# local.amp_remote_write_url).

locals {
  collector_repository = "${local.ecr_public_cache_prefix}/aws-observability/aws-otel-collector"
  collector_repository_arn = join(":", [
    "arn", local.partition, "ecr", local.region, local.account_id, "repository/${local.collector_repository}",
  ])
}

module "network" {
  source = "../network"

  name                    = local.name
  cidr_block              = var.vpc_cidr
  az_count                = var.az_count
  nat_gateway             = var.nat_gateway
  flow_log_retention_days = var.log_retention_days
}

module "rds" {
  source = "../rds-postgres"

  name                        = local.name
  vpc_id                      = module.network.vpc_id
  subnet_ids                  = module.network.private_subnet_ids
  client_security_group_ids   = [module.ecs.tasks_security_group_id]
  instance_class              = var.db_instance_class
  allocated_storage           = var.db_allocated_storage
  multi_az                    = var.db_multi_az
  backup_retention_days       = var.db_backup_retention_days
  deletion_protection         = var.db_deletion_protection
  skip_final_snapshot         = var.force_destroy
  iam_database_authentication = var.db_iam_authentication
}

module "ecs" {
  source = "../ecs-service"

  name               = local.name
  vpc_id             = module.network.vpc_id
  vpc_cidr_block     = module.network.vpc_cidr_block
  public_subnet_ids  = module.network.public_subnet_ids
  private_subnet_ids = module.network.private_subnet_ids
  s3_prefix_list_id  = module.network.s3_prefix_list_id
  internet_egress    = var.nat_gateway
  certificate_arn    = var.certificate_arn

  image         = "${local.ecr_repository_url}:${var.app_image_tag}"
  cpu           = var.app_cpu
  memory        = var.app_memory
  desired_count = var.app_desired_count
  environment_variables = {
    DEPLOY_ENV        = var.environment
    OTEL_SERVICE_NAME = var.service
  }
  # daily-report.yml publishes report.json here; the app polls it (no import token needed).
  report_s3_uri = "s3://${module.report_bucket.bucket}/portal/report.json"

  # No password in the URL (the app refuses one there, and sslmode: it verifies TLS itself);
  # ECS injects DATABASE_PASSWORD from the secret RDS manages.
  database = {
    url                 = "postgres://${module.rds.username}@${module.rds.address}:${module.rds.port}/${module.rds.db_name}"
    password_secret_arn = module.rds.master_user_secret_arn
    secret_kms_key_arn  = module.rds.kms_key_arn
  }

  collector_image              = "${local.registry}/${local.collector_repository}:${var.collector_version}"
  amp_remote_write_url         = local.amp_remote_write_url
  amp_workspace_arn            = local.amp_workspace_arn
  pull_repository_arns         = [local.ecr_repository_arn]
  pull_through_repository_arns = [local.collector_repository_arn]

  log_retention_days      = var.log_retention_days
  alb_deletion_protection = var.environment == "prod"
}

module "report_bucket" {
  source = "../s3-bucket"

  bucket_name     = "${local.name}-reports-${local.account_id}-${local.region}"
  force_destroy   = var.force_destroy
  versioning      = true
  expiration_days = var.report_expiration_days
}

# The daily report's state (yesterday's findings, for the deltas): kept until replaced, with
# the replaced versions for a month.
module "state_bucket" {
  source = "../s3-bucket"

  bucket_name                = "${local.name}-state-${local.account_id}-${local.region}"
  force_destroy              = var.force_destroy
  versioning                 = true
  noncurrent_expiration_days = 30
}
