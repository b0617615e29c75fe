terraform {
  required_version = ">= 1.5.0"

  required_providers {
    # Not used here; every module of this repository pins the same AWS provider.
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.66"
    }
    github = {
      source  = "integrations/github"
      version = "~> 6.6"
    }
  }
}
