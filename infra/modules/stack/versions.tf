terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.66"
    }
    # github.tf sets the repository's and environments' Actions variables.
    github = {
      source  = "integrations/github"
      version = "~> 6.6"
    }
    # observability.tf provisions the Amazon Managed Grafana dashboards and data sources.
    grafana = {
      source  = "grafana/grafana"
      version = "~> 4.0"
    }
  }
}
