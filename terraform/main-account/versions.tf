terraform {
  # >= 1.5: the project's floor. What the code uses: moved blocks (1.1), lifecycle preconditions
  # (1.2), optional() object attributes with defaults (1.3), strcontains() (1.5). Validations here
  # never reference another variable (that needs 1.9); rules that relate two inputs are
  # preconditions.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # >= 5.32: aws_lambda_function's logging_config block (JSON logs, levels) appeared in 5.32.0;
      # < 7.0: checked with 5.100.0, and nothing here is specific to 6.x.
      version = ">= 5.32, < 7.0"
    }
  }

  # Remote state, one state per environment through partial configuration:
  #   terraform init -backend-config=envs/dev.s3.tfbackend
  # backend "s3" {}
}
