terraform {
  # S3-native state locking (use_lockfile) needs 1.11 or later.
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.66"
    }
    github = {
      source  = "integrations/github"
      version = "~> 6.6"
    }
    grafana = {
      source  = "grafana/grafana"
      version = "~> 4.0"
    }
  }

  # bucket, key and region come from backend.hcl (copy backend.hcl.example):
  #   terraform init -backend-config=backend.hcl
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
