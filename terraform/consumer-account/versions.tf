terraform {
  required_version = ">= 1.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Remote state, one state per environment through partial configuration:
  #   terraform init -backend-config=envs/dev.s3.tfbackend
  # backend "s3" {}
}
