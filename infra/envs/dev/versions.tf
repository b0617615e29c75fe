terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3.0"
    }
  }

  # Example remote state. Local state is fine for a throwaway demo; for anything
  # shared, create the bucket first and uncomment (S3-native locking needs
  # Terraform >= 1.10; use dynamodb_table on older versions).
  # backend "s3" {
  #   bucket       = "my-org-terraform-state"
  #   key          = "assetguard/demo/terraform.tfstate"
  #   region       = "eu-west-1"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}
